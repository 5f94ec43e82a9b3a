// Vertrekdorp's analytics flush only as the visitor leaves a page, as GA4 and many
// trackers do: a keepalive fetch when the page becomes hidden, a sendBeacon on
// pagehide, each with a visitor id and the page in the URL. Nothing is sent while
// the visitor stays.
(function () {
  var page = location.pathname === "/" ? "home" : location.pathname.replace(/\//g, "");
  var uid = "vd-51c2e8";
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "hidden") return;
    fetch("https://collector.vertrekmeter.com/zicht?uid=" + uid + "&pagina=" + page,
      { method: "POST", body: "verborgen", keepalive: true, mode: "no-cors" })
      .catch(function () {});
  });
  window.addEventListener("pagehide", function () {
    navigator.sendBeacon("https://collector.vertrekmeter.com/vertrek?uid=" + uid + "&pagina=" + page,
      "vertrokken");
  });
})();
