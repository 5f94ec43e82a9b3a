// Whether a visitor's click at (x, y) in the frame's viewport reaches a button of a
// consent_detect.js "scan" (the handle it returned): the element there, through open
// shadow roots, is the button or inside it, not something covering it. Reads only.
(found, [index, x, y]) => {
  const button = found.buttons[index];
  let el = document.elementFromPoint(x, y);
  while (el && el.shadowRoot) {
    const inner = el.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === el) break;
    el = inner;
  }
  for (let e = el; e; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
    if (e === button) return true;
  }
  return false;
}
