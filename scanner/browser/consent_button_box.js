// Where to click a button of a consent_detect.js "scan" (the handle it returned; index:
// the button's): the visible part of its box, in its frame's viewport, [x, y, width,
// height], or null if none of it can be seen. A button outside the viewport is first
// scrolled into view, as a visitor would; nothing else changes. consent.py clicks the
// centre with the mouse, so no element is handed to Playwright (an element handle would
// put its script, with window listeners, in the page's world).
(found, index) => {
  const button = found.buttons[index];
  if (!button || !button.isConnected) return null;
  const vw = window.innerWidth || document.documentElement.clientWidth;
  const vh = window.innerHeight || document.documentElement.clientHeight;
  const part = () => {
    // The button's largest box (a link can wrap over lines), cut to the viewport.
    let best = null;
    for (const r of button.getClientRects()) {
      const x = Math.max(r.left, 0), y = Math.max(r.top, 0);
      const w = Math.min(r.right, vw) - x, h = Math.min(r.bottom, vh) - y;
      if (w >= 1 && h >= 1 && (!best || w * h > best[2] * best[3])) best = [x, y, w, h];
    }
    return best;
  };
  const box = button.getBoundingClientRect();
  if (box.top < 0 || box.left < 0 || box.bottom > vh || box.right > vw) {
    button.scrollIntoView({ block: "center", inline: "center" });
  }
  return part();
}
