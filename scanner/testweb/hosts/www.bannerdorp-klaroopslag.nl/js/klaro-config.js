// Klaro 0.7 set up like a municipality would: one service (Google Analytics),
// off until the visitor agrees; the choice is kept in localStorage under "klaro"
// (storageMethod), not in a cookie: Klaro writes it the moment the visitor clicks.
var klaroConfig = {
  version: 1,
  elementID: "klaro",
  lang: "nl",
  storageMethod: "localStorage",
  cookieName: "klaro",
  cookieExpiresAfterDays: 180,
  default: false,
  mustConsent: false,
  acceptAll: true,
  hideDeclineAll: false,
  hideLearnMore: false,
  privacyPolicy: "/privacy/",
  translations: {
    nl: {
      purposes: { analytics: { title: "Statistieken", description: "Meten hoe de website wordt gebruikt." } },
      "google-analytics": { description: "Statistieken over het gebruik van deze website." }
    }
  },
  services: [
    {
      name: "google-analytics",
      title: "Google Analytics",
      purposes: ["analytics"],
      cookies: [/^_ga/]
    }
  ]
};
