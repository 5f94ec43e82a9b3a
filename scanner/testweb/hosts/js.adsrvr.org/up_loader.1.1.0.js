// The Trade Desk universal pixel stand-in: one image to insight.adsrvr.org (its TDCPM cookie).
(function () {
  var img = new Image();
  img.src = "https://insight.adsrvr.org/track/up?adv=rcl1234&ref=" + encodeURIComponent(location.href) +
    "&upid=rclup01&upv=1.1.0";
  window._ttd_image = img;
})();
