// Stand-in for a commercial fingerprinting script ("Vingerafdruk Analytics", a
// fictional vendor): it derives a device hash from canvas text rendering, the
// WebGL GPU strings and an OfflineAudioContext, then posts it to its collector.
(function () {
  function hash(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = (h * 0x01000193) >>> 0;
    }
    return ("0000000" + h.toString(16)).slice(-8);
  }
  var parts = [];
  try {
    var canvas = document.createElement("canvas");
    canvas.width = 240;
    canvas.height = 40;
    var ctx = canvas.getContext("2d");
    ctx.textBaseline = "top";
    ctx.font = "16px Arial";
    ctx.fillStyle = "#f60";
    ctx.fillRect(120, 2, 70, 24);
    ctx.fillStyle = "#069";
    ctx.fillText("Vingerafdruk <canvas> 1.0", 4, 6);
    ctx.fillStyle = "rgba(102, 204, 0, 0.7)";
    ctx.fillText("Vingerafdruk <canvas> 1.0", 6, 8);
    parts.push(canvas.toDataURL());
  } catch (e) { parts.push("canvas:" + e.name); }
  try {
    var gl = document.createElement("canvas").getContext("webgl");
    var info = gl && gl.getExtension("WEBGL_debug_renderer_info");
    if (info) {
      parts.push(gl.getParameter(info.UNMASKED_VENDOR_WEBGL));
      parts.push(gl.getParameter(info.UNMASKED_RENDERER_WEBGL));
    }
  } catch (e) { parts.push("webgl:" + e.name); }
  function send(extra) {
    parts.push(extra);
    navigator.sendBeacon("https://cdn.vingerafdruk-analytics.com/v2/verzamel",
      JSON.stringify({ fp: hash(parts.join("|")) }));
  }
  try {
    var audio = new OfflineAudioContext(1, 4410, 44100);
    var oscillator = audio.createOscillator();
    oscillator.type = "triangle";
    oscillator.frequency.value = 10000;
    var compressor = audio.createDynamicsCompressor();
    oscillator.connect(compressor);
    compressor.connect(audio.destination);
    oscillator.start(0);
    audio.startRendering().then(function (buffer) {
      var data = buffer.getChannelData(0), sum = 0;
      for (var i = 4000; i < 4400; i++) sum += Math.abs(data[i]);
      send(String(sum));
    }, function () { send("audio:failed"); });
  } catch (e) { send("audio:" + e.name); }
})();
