// Counts key presses and sends only the count: what was typed never leaves (keys.json).
(function () {
  var n = 0;
  document.addEventListener("keydown", function () {
    n += 1;
    navigator.sendBeacon("https://api.tikmeter.com/teller?n=" + n);
  }, true);
})();
