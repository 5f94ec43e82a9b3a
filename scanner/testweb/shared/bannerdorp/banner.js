// Test-web consent banner (fictional municipality). window.BANNER.mode picks the story:
// goed, laag (reject behind "Instellingen"), negeert (GA after any choice),
// vooraf (GA before any choice), schaduw (open shadow DOM), muur (cookie wall),
// frame (banner in a vendor iframe that reports by postMessage).
(function () {
  var mode = (window.BANNER || {}).mode || "goed";
  var NAME = "cookiekeuze";
  var GA = "https://www.googletagmanager.com/gtag/js?id=G-TEST123";
  var loaded = false;

  function read() {
    var m = document.cookie.match(/(?:^|; )cookiekeuze=([^;]*)/);
    return m ? m[1] : null;
  }
  function loadGA() {
    if (loaded) return;
    loaded = true;
    var s = document.createElement("script");
    s.async = true;
    s.src = GA;
    document.head.appendChild(s);
  }
  function apply(value) {
    if (value === "alles" || mode === "negeert") loadGA();
    if (mode === "muur" && value === "alles") document.documentElement.classList.add("toegestaan");
  }
  function decide(value, root) {
    document.cookie = NAME + "=" + value + "; max-age=31536000; path=/; SameSite=Lax";
    if (root && root.parentNode) root.parentNode.removeChild(root);
    apply(value);
  }
  function button(text, onclick) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.addEventListener("click", onclick);
    return b;
  }

  if (mode === "vooraf") loadGA();
  var choice = read();
  if (choice) {
    apply(choice);
    return;
  }

  var STYLE =
    ".balk{position:fixed;left:0;right:0;bottom:0;z-index:1000;background:#fff;" +
    "border-top:3px solid #1a5e8a;padding:1rem 2rem;box-shadow:0 -2px 8px rgba(0,0,0,.2);" +
    "font-family:Arial,sans-serif}.balk button{margin:.3rem .6rem 0 0;padding:.5rem 1rem}" +
    ".laag2 label{display:block;margin:.2rem 0}";

  function start() {
    if (mode === "frame") {
      var f = document.createElement("iframe");
      f.src = "https://cmp.toestemmingsdienst.nl/banner.html";
      f.title = "Cookie consent";
      f.setAttribute("style",
        "position:fixed;left:0;right:0;bottom:0;width:100%;height:170px;border:0;" +
        "z-index:1000;box-shadow:0 -2px 8px rgba(0,0,0,.2);background:#fff");
      window.addEventListener("message", function (e) {
        if (e.origin !== "https://cmp.toestemmingsdienst.nl") return;
        if (e.data && e.data.cookiekeuze) decide(e.data.cookiekeuze, f);
      });
      document.body.appendChild(f);
      return;
    }
    if (mode === "muur") {
      var wall = document.createElement("div");
      wall.className = "toestemmingsmuur";
      wall.setAttribute("role", "dialog");
      wall.setAttribute("aria-modal", "true");
      wall.setAttribute("aria-label", "Cookies");
      wall.setAttribute("style",
        "position:fixed;inset:0;z-index:1000;background:#fff;display:flex;" +
        "flex-direction:column;align-items:center;justify-content:center;font-family:Arial,sans-serif");
      var h = document.createElement("h2");
      h.textContent = "Cookies";
      var p = document.createElement("p");
      p.textContent = "Om deze website te bekijken moet u cookies van ons en van derden accepteren.";
      var a = document.createElement("a");
      a.href = "/privacy/";
      a.textContent = "Meer informatie";
      wall.appendChild(h);
      wall.appendChild(p);
      wall.appendChild(button("Akkoord", function () { decide("alles", wall); }));
      wall.appendChild(a);
      document.body.appendChild(wall);
      return;
    }
    var labels = {
      goed: ["Alles accepteren", "Alleen noodzakelijke cookies"],
      negeert: ["Akkoord", "Weigeren"],
      vooraf: ["Accepteren", "Niet akkoord"],
      schaduw: ["Alle cookies toestaan", "Alleen noodzakelijk"],
      laag: ["Accepteren", null]
    }[mode];
    var host = document.body;
    var root;
    if (mode === "schaduw") {
      var el = document.createElement("gemeente-cookies");
      document.body.appendChild(el);
      root = el.attachShadow({ mode: "open" });
    } else {
      root = document.body;
    }
    var st = document.createElement("style");
    st.textContent = STYLE;
    root.appendChild(st);
    var bar = document.createElement("section");
    bar.className = "balk";
    bar.setAttribute("aria-label", "Cookiemelding");
    var t = document.createElement("p");
    t.textContent = "Wij gebruiken cookies om de website goed te laten werken en, met uw " +
      "toestemming, om het gebruik te meten.";
    bar.appendChild(t);
    var box = mode === "schaduw" ? root.host : bar;
    bar.appendChild(button(labels[0], function () { decide("alles", box); }));
    if (labels[1]) {
      bar.appendChild(button(labels[1], function () { decide("noodzakelijk", box); }));
    }
    if (mode === "laag") {
      var inst = button("Instellingen", function () {
        inst.parentNode.removeChild(inst);
        var l2 = document.createElement("div");
        l2.className = "laag2";
        l2.innerHTML =
          '<label><input type="checkbox" checked disabled> Noodzakelijke cookies</label>' +
          '<label><input type="checkbox" name="statistiek" checked> Statistieken (Google Analytics)</label>';
        var save = button("Voorkeuren opslaan", function () {
          var stat = l2.querySelector("input[name=statistiek]").checked;
          decide(stat ? "alles" : "noodzakelijk", bar);
        });
        l2.appendChild(save);
        bar.appendChild(l2);
      });
      bar.appendChild(inst);
    }
    root.appendChild(bar);
    void host;
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
