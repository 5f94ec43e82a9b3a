// The municipality's own chart: draws waste per inhabitant on a canvas and offers
// it as a PNG download (one toDataURL, a few measureText calls for the labels).
(function () {
  var canvas = document.getElementById("grafiek");
  if (!canvas || !canvas.getContext) return;
  var ctx = canvas.getContext("2d");
  var jaren = ["2021", "2022", "2023", "2024", "2025"];
  var kilo = [212, 205, 198, 187, 176];
  var breedte = 60, basis = 190, schaal = 0.8;
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = "13px Arial, sans-serif";
  for (var i = 0; i < jaren.length; i++) {
    var x = 40 + i * (breedte + 25);
    var h = kilo[i] * schaal;
    ctx.fillStyle = "#1565c0";
    ctx.fillRect(x, basis - h, breedte, h);
    ctx.fillStyle = "#1d1d1b";
    var label = jaren[i];
    var w = ctx.measureText(label).width;
    ctx.fillText(label, x + (breedte - w) / 2, basis + 18);
    ctx.fillText(String(kilo[i]), x + 18, basis - h - 6);
  }
  function tekenDownload() {
    var link = document.getElementById("grafiek-download");
    if (link) link.href = canvas.toDataURL("image/png");
  }
  tekenDownload();
})();
