// Font probing: measure a test string in many font stacks, 10,000 calls in all,
// and put the time it took on the page (for the hook overhead measurement).
(function () {
  var ctx = document.createElement("canvas").getContext("2d");
  var fonts = ["Arial", "Verdana", "Times New Roman", "Courier New", "Georgia",
    "Trebuchet MS", "Comic Sans MS", "Impact", "Tahoma", "Palatino"];
  var t0 = performance.now();
  var total = 0;
  for (var i = 0; i < 10000; i++) {
    ctx.font = "72px '" + fonts[i % fonts.length] + "', monospace";
    total += ctx.measureText("mmmmmmmmmmlli" + (i % 7)).width;
  }
  var ms = performance.now() - t0;
  document.getElementById("duur").textContent = ms.toFixed(2);
  window.__lettertypenMs = ms;
  window.__lettertypenTotaal = total;
})();
