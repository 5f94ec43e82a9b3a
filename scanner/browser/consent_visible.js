// Whether the banner of a consent_detect.js "scan" (the handle it returned) is still
// shown (consent.py, after a click): in the document, with a box of some size, not
// hidden by CSS. What Playwright's isVisible() decides, without its injected script in
// the page's world. Reads only.
(found) => {
  const element = found.banner;
  if (!element || !element.isConnected) return false;
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
}
