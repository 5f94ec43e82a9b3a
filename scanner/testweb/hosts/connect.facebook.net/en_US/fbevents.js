// Meta pixel stand-in: first-party _fbp cookie, then a PageView image to facebook.com.
(function () {
  var domain = location.hostname.split(".").slice(-2).join(".");
  var fbp = "fb.1.1700000000000.1234567890";
  document.cookie = "_fbp=" + fbp + "; max-age=7776000; domain=." + domain + "; path=/";
  var img = new Image();
  img.src = "https://www.facebook.com/tr?id=111222333&ev=PageView&fbp=" + fbp;
  window._fbq_img = img;
})();
