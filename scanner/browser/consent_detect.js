// Heuristic consent-banner finder, run in one frame by scanner/browser/consent.py.
// (args) => result. args.op: "scan" finds the banner and answers {result, banner,
// buttons}: consent.py keeps that object as a handle (nothing is left on the page) and
// reads result, the banner and its buttons from it; "uncheck" unticks optional
// categories inside the banner of args.scan (a "scan" answer, passed back as the handle
// consent.py kept; or null: the whole document); "loaded" says which
// consent managers that share their markup the frame actually loaded.
// Open shadow roots are walked; closed ones cannot be seen by any script.
(args) => {
  const op = args.op;
  const vw = window.innerWidth || document.documentElement.clientWidth || 1;
  const vh = window.innerHeight || document.documentElement.clientHeight || 1;

  // Ordered: the first rule that matches names a button's role. Reject rules come
  // first because "Niet akkoord" contains "akkoord"; save before settings because
  // "Voorkeuren opslaan" contains "voorkeur".
  const RULES = [
    ["reject", "weigeren", /\bweiger/i],
    ["reject", "niet akkoord", /\bniet\s+(akkoord|accepteren|toestaan|toestemmen)/i],
    ["reject", "alleen noodzakelijk", /\balleen\s+(de\s+)?(noodzakelijk|functione|essenti|strikt)/i],
    ["reject", "noodzakelijke cookies", /^(accepteer\s+|sta\s+)?(noodzakelijke|functionele|essenti[eë]le)\s+cookies(\s+(accepteren|toestaan|toe))?$/i],
    ["reject", "reject", /\b(reject|decline|deny|refuse|disagree)/i],
    ["reject", "only necessary", /\bonly\s+(the\s+)?(necessary|essential|required|functional|strictly)|\b(necessary|essential|required)\s+(cookies\s+)?only\b/i],
    ["reject", "nee", /^nee\b/i],
    ["save", "opslaan", /\b(opslaan|bewaren|bevestig)|\b(save|confirm)\b|selectie|geselecteerde|\bselect(ion|ed)\b/i],
    ["settings", "instellingen", /instelling|voorkeur|aanpassen|beheren|meer\s+opties|\bkiezen\b|\bkies\b|\bkeuze|\bsettings|preferences|customi[sz]e|\bmanage|\boptions\b|let\s+me\s+choose/i],
    ["accept", "accepteren", /accepte|\baccept|akkoord|toestaan|\bsta\b.*\btoe\b|\ballow|\bagree|(^|\s)(ok|oké|okay|o\.k\.)(?=$|[\s!.,])|^ja\b|prima|begrepen|got it/i],
  ];
  const TOPIC = /cookie|consent|toestemming|tracking/i;
  const CLICKABLE =
    'button, a[href], [role="button"], input[type="button"], input[type="submit"], [onclick]';

  function* deep(root) {
    // Every element under root, including inside open shadow roots.
    const stack = [root];
    while (stack.length) {
      const node = stack.pop();
      const kids = node.shadowRoot ? [node.shadowRoot, ...node.children] : [...(node.children || [])];
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
      if (node.nodeType === 1) yield node;
    }
  }
  const SILENT = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"]);
  const INLINE = new Set(["A", "ABBR", "B", "BDI", "BDO", "CITE", "CODE", "DATA", "DFN", "EM",
    "FONT", "I", "KBD", "LABEL", "MARK", "Q", "S", "SAMP", "SMALL", "SPAN", "STRONG", "SUB",
    "SUP", "TIME", "U", "VAR"]);
  function deepText(el) {
    // Text in reading order: "voor <strong>Statistieken</strong>?" stays one sentence,
    // other elements are separated by a space; open shadow roots included, scripts
    // and styles left out.
    const parts = [];
    let size = 0;
    const stack = [el];
    while (stack.length && size <= 4000) {
      const node = stack.pop();
      if (typeof node === "string") {
        parts.push(node);
      } else if (node.nodeType === 3) {
        parts.push(node.nodeValue);
        size += node.nodeValue.length;
      } else if (node.nodeType === 1 || node.nodeType === 11) {
        if (node.nodeType === 1 && SILENT.has(node.tagName)) continue;
        if (node.nodeType === 1 && !INLINE.has(node.tagName)) {
          parts.push(" ");
          stack.push(" ");
        }
        const kids = node.shadowRoot ? [node.shadowRoot, ...node.childNodes] : [...node.childNodes];
        for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
      }
    }
    return parts.join("").replace(/\s+/g, " ").trim();
  }
  function visible(el) {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    if (r.bottom <= 0 || r.right <= 0 || r.top >= vh || r.left >= vw) return false;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || s.visibility === "collapse") return false;
      if (parseFloat(s.opacity) === 0) return false;
    }
    return true;
  }
  function label(el) {
    const t = (el.innerText || el.value || el.getAttribute("aria-label") || el.title || "")
      .replace(/\s+/g, " ").trim();
    return t.slice(0, 120);
  }
  function classify(text) {
    if (!text || text.length > 60) return ["other", null];
    for (const [role, name, re] of RULES) if (re.test(text)) return [role, name];
    return ["other", null];
  }
  function isOverlay(el) {
    const s = getComputedStyle(el);
    const role = el.getAttribute("role");
    return (
      s.position === "fixed" || s.position === "sticky" ||
      (el.tagName === "DIALOG" && el.open) ||
      role === "dialog" || role === "alertdialog" || el.getAttribute("aria-modal") === "true"
    );
  }
  function coverage(el) {
    const r = el.getBoundingClientRect();
    const w = Math.max(0, Math.min(r.right, vw) - Math.max(r.left, 0));
    const h = Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0));
    return (w * h) / (vw * vh);
  }
  function buttonsOf(el) {
    const out = [];
    for (const b of deep(el)) {
      if (!b.matches(CLICKABLE) || !visible(b)) continue;
      if (out.some((o) => o.el.contains(b))) continue;
      const text = label(b);
      const [role, rule] = classify(text);
      out.push({ el: b, text, role, rule });
      if (out.length >= 40) break;
    }
    return out;
  }
  function blocksPage() {
    // A fixed layer over most of the viewport at several points: content unreachable.
    const points = [[0.25, 0.3], [0.75, 0.3], [0.25, 0.7], [0.75, 0.7], [0.5, 0.5]];
    return points.every(([x, y]) => {
      let e = document.elementFromPoint(vw * x, vh * y);
      for (; e && e !== document.documentElement; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
        if (getComputedStyle(e).position === "fixed" && coverage(e) >= 0.85) return true;
      }
      return false;
    });
  }

  if (op === "loaded") {
    // Evidence of the consent manager's own code: its script, global object, cookie
    // or container (consent.py _SHARED_MARKUP names the pairs that look alike).
    const srcs = Array.from(document.scripts, (s) => s.src || "");
    const has = (re) => srcs.some((src) => re.test(src));
    const cc = window.cookieconsent;
    return {
      "complianz": has(/complianz/i) || typeof window.complianz !== "undefined" ||
        /(^|;\s*)cmplz_/.test(document.cookie) ||
        !!document.getElementById("cmplz-cookiebanner-container"),
      "osano-cookieconsent": !!(cc && typeof cc.initialise === "function") ||
        has(/cookieconsent(\.min)?\.js(\?|$)/i),
    };
  }

  if (op === "uncheck") {
    const banner = args.scan && args.scan.banner;
    const root = banner && banner.isConnected ? banner : document.documentElement;
    let n = 0;
    for (const e of deep(root)) {
      const sw = e.getAttribute("role") === "switch" && e.getAttribute("aria-checked") === "true";
      const box = e.matches('input[type="checkbox"]') && e.checked && !e.disabled;
      if (sw || box) {
        e.click();
        if (box && e.checked) e.checked = false;
        n++;
      }
    }
    return n;
  }

  // op === "scan"
  const top = window === window.top;
  const candidates = [];
  for (const el of deep(document.documentElement)) {
    if (el === document.body || el === document.documentElement) continue;
    if (!isOverlay(el) || !visible(el)) continue;
    candidates.push(el);
  }
  // Inside a frame the whole document can be the banner (the iframe is the overlay).
  if (!top && document.body) candidates.push(document.body);
  let best = null;
  for (const el of candidates) {
    const text = deepText(el);
    if (!TOPIC.test(text)) continue;
    const buttons = buttonsOf(el);
    const known = buttons.filter((b) => b.role !== "other");
    // A settings link alone is no banner (sticky headers have those): need a choice.
    if (!known.some((b) => b.role !== "settings")) continue;
    // Prefer more consent buttons, then the smaller (innermost) element.
    const score = known.length * 10 - coverage(el);
    if (!best || score > best.score) best = { el, text, buttons, score };
  }
  if (!best) return { result: { found: false }, banner: null, buttons: [] };
  const r = best.el.getBoundingClientRect();
  const result = {
    found: true,
    top,
    text: best.text.slice(0, 500),
    in_shadow_dom: best.el.getRootNode() !== document,
    tag: best.el.tagName.toLowerCase(),
    blocks_page: top ? blocksPage() : false,
    rect: [r.left, r.top, r.width, r.height],
    buttons: best.buttons.map((b, i) => ({ index: i, text: b.text, role: b.role, rule: b.rule })),
  };
  return { result, banner: best.el, buttons: best.buttons.map((b) => b.el) };
}
