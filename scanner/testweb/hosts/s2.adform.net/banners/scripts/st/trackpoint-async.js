// Adform Tracking Point stand-in: a page-view hit (Adform's "uid" cookie), then a
// cookie-sync image: cm.adform.net redirects to The Trade Desk, which redirects to
// AppNexus (Xandr), each setting its own identifier cookie on the way.
(function () {
  var hit = new Image();
  hit.src = "https://track.adform.net/Serving/TrackPoint/?pm=2867401&ADFPageName=Reclamedorp%7CHome&ADFdivider=%7C";
  var sync = new Image();
  sync.src = "https://cm.adform.net/cookie?redirect_url=https%3A%2F%2Fmatch.adsrvr.org%2Ftrack%2Fcmf%2Fgeneric%3Fttd_pid%3Dadform%26ttd_tpi%3D1";
  window._adform_images = [hit, sync];
})();
