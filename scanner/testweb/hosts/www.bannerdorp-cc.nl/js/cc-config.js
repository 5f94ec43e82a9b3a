// vanilla-cookieconsent 3 set up like a municipality would: necessary + analytics (GA).
// window.CC_HIDE_REJECT (www.bannerdorp-ccverstopt.nl) leaves the first layer without its
// reject button: "Alles weigeren" is then only in the preferences modal.
var hideReject = Boolean(window.CC_HIDE_REJECT);
CookieConsent.run({
  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: {}
  },
  onConsent: function () {
    if (CookieConsent.acceptedCategory("analytics")) {
      var s = document.createElement("script");
      s.async = true;
      s.src = "https://www.googletagmanager.com/gtag/js?id=G-TEST123";
      document.head.appendChild(s);
    }
  },
  language: {
    default: "nl",
    translations: {
      nl: {
        consentModal: {
          title: "Wij gebruiken cookies",
          description: "Noodzakelijke cookies laten de website werken; met uw toestemming meten wij het gebruik.",
          acceptAllBtn: "Alles accepteren",
          acceptNecessaryBtn: hideReject ? undefined : "Alles weigeren",
          showPreferencesBtn: "Voorkeuren beheren"
        },
        preferencesModal: {
          title: "Cookievoorkeuren",
          acceptAllBtn: "Alles accepteren",
          acceptNecessaryBtn: "Alles weigeren",
          savePreferencesBtn: "Voorkeuren opslaan",
          closeIconLabel: "Sluiten",
          sections: [
            { title: "Noodzakelijk", description: "Nodig om de site te laten werken.", linkedCategory: "necessary" },
            { title: "Statistieken", description: "Google Analytics.", linkedCategory: "analytics" }
          ]
        }
      }
    }
  }
});
