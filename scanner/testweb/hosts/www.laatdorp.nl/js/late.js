// Sets a cookie 3 seconds after the load event: a capture must wait for it.
window.addEventListener("load", function () {
  setTimeout(function () {
    document.cookie = "late_cookie=1; max-age=3600; path=/";
  }, 3000);
});
