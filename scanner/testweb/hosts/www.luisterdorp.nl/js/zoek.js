// Luisterdorp's own search box: suggestions while typing, and Escape closes them.
(function () {
  var box = document.getElementById("zoekterm");
  var list = document.getElementById("suggesties");
  box.addEventListener("input", function () { list.hidden = box.value.length < 2; });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") list.hidden = true;
  });
})();
