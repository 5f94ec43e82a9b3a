// Ask autoconsent (the state autoconsent_shim.js returned) to opt out or in
// (type: "optOut" | "optIn"), recording the clicks it makes from now on.
(s, type) => {
  s.result = null; s.clicks = []; s.recording = true;
  s.receive({type});
}
