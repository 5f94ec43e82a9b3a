// The site's own notices: it observes its one notices list (with subtree, to see
// notices change) and adds today's notice. An observer on one element is how a
// widget reacts to itself, not a recording: the hooks do not record it. The
// callback tells the site's own server how many notices are shown (a first-party
// request, the witness that the observer ran).
(function () {
  var list = document.getElementById("meldingen");
  new MutationObserver(function () {
    document.getElementById("aantal").textContent = String(list.children.length);
    fetch("/meldingen/gezien?aantal=" + list.children.length);
  }).observe(list, { childList: true, subtree: true });
  var item = document.createElement("li");
  item.textContent = "Vandaag: het gemeentehuis is om 16.00 uur dicht.";
  list.appendChild(item);
})();
