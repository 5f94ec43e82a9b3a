// Stand-in for a commercial device-probing script ("Apparaatpeiler", a fictional
// vendor) that avoids canvas and WebGL: it sweeps 13 navigator and 6 screen
// properties, makes a realtime AudioContext, lists the media devices, asks for the
// battery and tries WebRTC local-IP discovery (a peer connection with a data
// channel and an offer, counting the ICE candidates it gets). 1.5 s later it posts
// what it found, with the number of candidates in the URL, to its collector.
(function () {
  var found = {};
  var NAVIGATOR = ["plugins", "mimeTypes", "hardwareConcurrency", "deviceMemory", "languages",
    "language", "platform", "maxTouchPoints", "doNotTrack", "vendor", "cookieEnabled",
    "pdfViewerEnabled", "userAgent"];
  var SCREEN = ["width", "height", "availWidth", "availHeight", "colorDepth", "pixelDepth"];
  NAVIGATOR.forEach(function (name) {
    try {
      var value = navigator[name];
      found[name] = value !== null && typeof value === "object" ? value.length : value;
    } catch (e) { found[name] = "error"; }
  });
  SCREEN.forEach(function (name) { found["screen." + name] = screen[name]; });
  try {
    var audio = new AudioContext();
    found.sampleRate = audio.sampleRate;
    audio.close();
  } catch (e) { found.audio = e.name; }
  try {
    navigator.mediaDevices.enumerateDevices()
      .then(function (devices) { found.devices = devices.length; }, function () {});
  } catch (e) { found.devices = e.name; }
  try {
    navigator.getBattery().then(function (battery) { found.battery = battery.level; }, function () {});
  } catch (e) { found.battery = e.name; }
  var candidates = 0;
  var connection = null;
  try {
    // No ICE servers: nothing but the device's own interfaces could be gathered.
    connection = new RTCPeerConnection({ iceServers: [] });
    connection.createDataChannel("peil");
    connection.onicecandidate = function (event) {
      if (event.candidate && event.candidate.candidate) candidates += 1;
    };
    connection.createOffer()
      .then(function (offer) { return connection.setLocalDescription(offer); })
      .catch(function () {});
  } catch (e) { found.webrtc = e.name; }
  setTimeout(function () {
    try { if (connection) connection.close(); } catch (e) { /* closed */ }
    navigator.sendBeacon("https://cdn.apparaatpeiler.com/v1/verzamel?kandidaten=" + candidates,
      JSON.stringify(found));
  }, 1500);
})();
