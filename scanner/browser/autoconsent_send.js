// Ask autoconsent in this frame to opt out or in (type: "optOut" | "optIn"),
// recording the clicks it makes from now on.
(type) => {
  const s = window.__privacyscanAutoconsent;
  s.result = null; s.clicks = []; s.recording = true;
  window.autoconsentReceiveMessage({type});
}
