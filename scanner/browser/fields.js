// The form-typing step's survey, run in an isolated world (Playwright's, or one of its
// own: the page's scripts cannot see it, nor change what it calls): the page's visible
// inputs, then its visible text areas (also in open shadow roots), at most `limit` in
// all, each as
// [type, autocomplete, name, id, aria-label, placeholder, editable]; and the address of
// every script the page loaded from a file (without fragment), at most 200. Reads only;
// the candidates stay in this world (``field_focus.js`` focuses them to type).
(limit) => {
  const inputs = [];
  const areas = [];
  const roots = [document];
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  while (roots.length) {
    const root = roots.shift();
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      const tag = el.localName;
      if ((tag !== 'input' && tag !== 'textarea') || !visible(el)) continue;
      const attr = (name) => el.getAttribute(name) || '';
      (tag === 'input' ? inputs : areas).push([el, [
        tag === 'textarea' ? 'textarea' : attr('type'), attr('autocomplete'), attr('name'),
        attr('id'), attr('aria-label'), attr('placeholder'), !el.disabled && !el.readOnly]]);
    }
  }
  const scripts = [];
  for (const el of document.scripts) {
    if (scripts.length >= 200) break;
    if (!el.src) continue;
    try {
      const url = new URL(el.src);
      url.hash = '';
      scripts.push(url.href);
    } catch (e) { /* an address the page cannot load either */ }
  }
  const found = inputs.concat(areas).slice(0, limit);
  globalThis.privacyscanFields = found.map(([el]) => el);
  return [found.map(([, attrs]) => attrs), scripts];
}
