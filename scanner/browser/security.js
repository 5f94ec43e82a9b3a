// The page's scripts from other origins and whether they carry Subresource Integrity:
// [[src, hasIntegrity], …], at most 50. Run once per page by the first visitor.
() => {
  const out = [];
  const seen = new Set();
  for (const el of document.querySelectorAll('script[src]')) {
    let url;
    try { url = new URL(el.getAttribute('src'), document.baseURI); } catch (e) { continue; }
    if (!/^https?:$/.test(url.protocol) || url.origin === location.origin) continue;
    url.hash = '';
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    out.push([url.href, (el.getAttribute('integrity') || '').trim() !== '']);
    if (out.length >= 50) break;
  }
  return out;
}
