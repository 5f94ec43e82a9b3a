// Self-hosted Matomo stand-in: host-only first-party cookies plus a tracking image.
(function () {
  var id = "0123456789abcdef";
  document.cookie = "_pk_id.1.a1b2=" + id + ".1700000000.; max-age=33696000; path=/; SameSite=Lax";
  document.cookie = "_pk_ses.1.a1b2=1; max-age=1800; path=/; SameSite=Lax";
  var img = new Image(1, 1);
  img.src = "https://statistiek.matomorijk.nl/matomo.php?idsite=1&rec=1&_id=" + id +
    "&url=" + encodeURIComponent(location.href);
  window._paq_img = img;
})();
