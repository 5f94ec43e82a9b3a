// Hotjar stand-in (session replay): a first-party user cookie, a localStorage key, a visit beacon.
(function () {
  var domain = location.hostname.split(".").slice(-2).join(".");
  document.cookie = "_hjSessionUser_3344=eyJpZCI6ImhqLTMzNDQtdGVzdCJ9; max-age=31536000; domain=." + domain + "; path=/";
  localStorage.setItem("_hjRecordingLastActivity", "1700000000000");
  navigator.sendBeacon("https://in.hotjar.com/api/v2/client/sites/3344/visit-data?sv=7", "{}");
})();
