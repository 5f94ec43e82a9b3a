// Whether a banner element is still shown (consent.py, after a click): in the document,
// with a box of some size, not hidden by CSS. What Playwright's isVisible() decides,
// without its injected script in the page's world. Reads only.
(element) => {
  if (!element.isConnected) return false;
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
}
