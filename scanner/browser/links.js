// The page's links (http and https, without fragment, each once, at most 2000), for the
// crawl. Run by scanner/browser/session.py at the end of every page.
() => {
  const seen = new Set(); const out = [];
  for (const a of document.querySelectorAll('a[href]')) {
    try {
      const u = new URL(a.getAttribute('href'), document.baseURI);
      if (!/^https?:$/.test(u.protocol)) continue;
      u.hash = '';
      if (!seen.has(u.href)) { seen.add(u.href); out.push(u.href); }
    } catch (e) {}
    if (out.length >= 2000) break;
  }
  return out;
}
