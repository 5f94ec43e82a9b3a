// Osano's cookieconsent 3 set up like a municipality would: opt-in, Dutch texts;
// Google Analytics only after "Cookies toestaan". The choice is kept in the
// first-party cookie "cookieconsent_status".
function loadAnalytics() {
  var s = document.createElement("script");
  s.async = true;
  s.src = "https://www.googletagmanager.com/gtag/js?id=G-TEST123";
  document.head.appendChild(s);
}
window.addEventListener("load", function () {
  window.cookieconsent.initialise({
    type: "opt-in",
    revokable: false,
    palette: { popup: { background: "#1d1d1b" }, button: { background: "#f1d600" } },
    content: {
      message: "Deze website gebruikt cookies om te meten hoe de site wordt gebruikt. Mogen wij daarvoor cookies plaatsen?",
      allow: "Cookies toestaan",
      deny: "Weigeren",
      link: "Meer over ons cookiebeleid",
      href: "/privacy/"
    },
    onInitialise: function (status) {
      if (this.hasConsented()) loadAnalytics();
    },
    onStatusChange: function (status) {
      if (this.hasConsented()) loadAnalytics();
    }
  });
});
