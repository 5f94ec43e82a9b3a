// An element of a consent_detect.js "scan" (the handle it returned): the banner (no
// index) or the button at index.
(found, index) => (index == null ? found.banner : found.buttons[index])
