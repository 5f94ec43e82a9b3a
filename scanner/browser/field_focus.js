// The form-typing step, in the survey's own world (fields.js kept the candidates
// there): focus the candidate at `index` (true if it has the focus now), or with
// `blur`, take the focus from it. The element's own methods, as a visitor's click and
// tab would; nothing else is written.
(index, blur) => {
  const el = (globalThis.privacyscanFields || [])[index];
  if (!el || !el.isConnected) return false;
  if (blur) {
    el.blur();
    return true;
  }
  el.focus();
  return el.matches(':focus');
}
