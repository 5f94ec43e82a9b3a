// The service worker reports that it runs: a request only it makes.
self.addEventListener("install", function (event) {
  event.waitUntil(fetch("/sw-actief?van=service-worker").catch(function () {}));
});
