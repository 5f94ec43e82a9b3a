// Visit measurement via an external collector, with a visitor id in the URL.
(function () {
  var uid = "rv-7f3a9c";
  navigator.sendBeacon("https://collector.example-analytics.com/b?uid=" + uid + "&ev=pageview", "ev=pageview");
  fetch("https://collector.example-analytics.com/e?uid=" + uid + "&ev=contact",
    { keepalive: true, mode: "no-cors" }).catch(function () {});
})();
