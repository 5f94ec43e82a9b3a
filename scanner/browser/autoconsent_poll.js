// What autoconsent said in this frame so far (autoconsent_shim.js keeps it), or null.
() => {
  const s = window.__privacyscanAutoconsent;
  return s ? {popup: s.popup, cmp: s.cmp, lifecycle: s.lifecycle, result: s.result,
               clicks: s.clicks.slice()} : null;
}
