// Meta pixel stand-in: first-party _fbp cookie, then a PageView image to facebook.com.
// On a page with the pixel's fbq queue (the "fbq('init', …); fbq('track', …)" snippet) it
// does what the real pixel does with advanced matching: normalises the user data the
// site handed over and hashes it with SHA-256 (ud[em], ud[ph]); a PageView goes as an
// image with everything in the URL, other events as a sendBeacon POST of form data.
(function () {
  var domain = location.hostname.split(".").slice(-2).join(".");
  var fbp = "fb.1.1700000000000.1234567890";
  document.cookie = "_fbp=" + fbp + "; max-age=7776000; domain=." + domain + "; path=/";
  var fbq = window.fbq;
  if (!fbq || !fbq.queue) {
    var img = new Image();
    img.src = "https://www.facebook.com/tr?id=111222333&ev=PageView&fbp=" + fbp;
    window._fbq_img = img;
    return;
  }
  var pixel = null;
  var userData = [];
  var images = (window._fbq_imgs = []);
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function normalise(key, value) {
    var v = String(value).trim().toLowerCase();
    return key === "ph" ? v.replace(/[^0-9]/g, "") : v;
  }
  function sha256(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }
  function fields(event, custom) {
    var out = [["id", pixel], ["ev", event], ["dl", location.href], ["fbp", fbp]];
    Object.keys(custom || {}).forEach(function (k) { out.push(["cd[" + k + "]", custom[k]]); });
    return out.concat(userData);
  }
  function send(event, custom) {
    var f = fields(event, custom);
    if (event === "PageView") {
      var img = new Image();
      img.src = "https://www.facebook.com/tr?" + f.map(function (kv) {
        return encodeURIComponent(kv[0]) + "=" + encodeURIComponent(kv[1]);
      }).join("&");
      images.push(img);
    } else {
      var form = new FormData();
      f.forEach(function (kv) { form.append(kv[0], kv[1]); });
      navigator.sendBeacon("https://www.facebook.com/tr/", form);
    }
  }
  var chain = Promise.resolve();
  fbq.queue.splice(0).forEach(function (args) {
    chain = chain.then(function () {
      if (args[0] === "init") {
        pixel = args[1];
        var data = args[2] || {};
        var keys = Object.keys(data);
        return Promise.all(keys.map(function (k) { return sha256(normalise(k, data[k])); }))
          .then(function (hashes) {
            userData = keys.map(function (k, i) { return ["ud[" + k + "]", hashes[i]]; });
          });
      }
      if (args[0] === "track") send(args[1], args[2]);
    });
  });
})();
