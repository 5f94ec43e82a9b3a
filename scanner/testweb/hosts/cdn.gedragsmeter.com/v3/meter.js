// Stand-in for a behaviour-tracking script ("Gedragsmeter", a fictional vendor of
// heatmaps and form analytics): it listens to mouse and finger movement over the
// page, the device's motion sensor, every key on the page and the keys and input
// of every form field. It keeps counts only and sends nothing: the listeners are
// what the capture must see. Its click listener is not behaviour tracking.
(function () {
  var seen = { moves: 0, keys: 0, inputs: 0, motion: 0 };
  document.addEventListener("mousemove", function () { seen.moves += 1; }, { passive: true });
  document.addEventListener("touchmove", function () { seen.moves += 1; }, { passive: true });
  window.addEventListener("devicemotion", function () { seen.motion += 1; });
  document.addEventListener("keydown", function () { seen.keys += 1; });
  document.addEventListener("click", function () { /* every analytics tag does this */ });
  var fields = document.querySelectorAll("input, textarea");
  for (var i = 0; i < fields.length; i++) {
    fields[i].addEventListener("keydown", function () { seen.keys += 1; });
    fields[i].addEventListener("input", function () { seen.inputs += 1; });
  }
})();
