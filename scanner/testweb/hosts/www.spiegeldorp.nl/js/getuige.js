// Spiegeldorp's witness: what a page script (a session recorder, a bot detector) can
// see a visitor's browser change in the document. Every attribute or node mutation
// after DOMContentLoaded, in the document and in the open shadow root it is given,
// and every CSS animation event, goes into window.getuige.log. A plain Chromium
// that only loads the page logs the two animations starting and nothing else.
(() => {
  const log = [];
  const describe = (node) => node && node.nodeType === 1
    ? node.nodeName.toLowerCase() + (node.id ? "#" + node.id : "") : String(node && node.nodeName);
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      log.push(r.type === "attributes"
        ? "attribute " + describe(r.target) + " " + r.attributeName
        : r.type + " " + describe(r.target));
    }
  });
  const options = { attributes: true, childList: true, characterData: true, subtree: true };
  const roots = [];
  window.getuige = {
    log,
    volg(root) { roots.push(root); if (document.readyState !== "loading") observer.observe(root, options); },
  };
  document.addEventListener("DOMContentLoaded", () => {
    observer.observe(document, options);
    for (const root of roots) observer.observe(root, options);
  });
  // Not animationiteration: the pulse repeats every 2 s, so its count is timing.
  for (const type of ["animationstart", "animationend", "animationcancel"]) {
    document.addEventListener(type, (e) => log.push(type + " " + e.animationName), true);
  }
})();
