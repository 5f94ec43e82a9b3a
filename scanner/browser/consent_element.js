// An element consent_detect.js remembered in this frame ("scan"): the banner (no
// index) or the button at index; undefined if it has not scanned.
(index) => {
  const found = window.__privacyscanConsent;
  return found && (index == null ? found.banner : found.buttons[index]);
}
