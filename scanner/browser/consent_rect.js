// Where a consent_detect.js "scan" found the banner, in its frame's viewport: [x, y,
// width, height] (consent.py clips the page's screenshot to it). Reads only, and hands
// no element to Playwright (an element handle would put its script in the page's world).
(found) => {
  const box = found.banner.getBoundingClientRect();
  return [box.x, box.y, box.width, box.height];
}
