// Scroll down the page a screen at a time (at most 20), as a reader would, so that
// lazy content loads; then back to the top. Run by scanner/browser/session.py.
async () => {
  const step = Math.max(window.innerHeight, 400);
  for (let y = 0, i = 0; i < 20 && y < document.documentElement.scrollHeight; i++, y += step) {
    window.scrollTo(0, y);
    await new Promise((r) => setTimeout(r, 100));
  }
  window.scrollTo(0, 0);
}
