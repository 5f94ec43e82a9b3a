// What the visitor reads of a page when its visit ends, in one call (each call into a
// page costs about a millisecond of CPU in four processes): its title; its links (http
// and https, without fragment, each once, at most 2000), for the crawl; and, when asked
// (the first visitor), its scripts from other origins and whether they carry Subresource
// Integrity: [[src, hasIntegrity], …], at most 50; and the names of its IndexedDB
// databases with the origin they belong to (what indexeddb.js reads in the page's
// other frames). Run by scanner/browser/session.py.
// Each part is read on its own: a page that breaks one (a title getter that throws)
// does not cost the others.
async (withScripts) => {
  let title = '';
  try { title = String(document.title || ''); } catch (e) {}
  const links = [];
  try {
    const seenLinks = new Set();
    for (const a of document.querySelectorAll('a[href]')) {
      try {
        const u = new URL(a.getAttribute('href'), document.baseURI);
        if (!/^https?:$/.test(u.protocol)) continue;
        u.hash = '';
        if (!seenLinks.has(u.href)) { seenLinks.add(u.href); links.push(u.href); }
      } catch (e) {}
      if (links.length >= 2000) break;
    }
  } catch (e) {}
  let scripts = null;
  if (withScripts) {
    scripts = [];
    try {
      const seen = new Set();
      for (const el of document.querySelectorAll('script[src]')) {
        let url;
        try { url = new URL(el.getAttribute('src'), document.baseURI); } catch (e) { continue; }
        if (!/^https?:$/.test(url.protocol) || url.origin === location.origin) continue;
        url.hash = '';
        if (seen.has(url.href)) continue;
        seen.add(url.href);
        scripts.push([url.href, (el.getAttribute('integrity') || '').trim() !== '']);
        if (scripts.length >= 50) break;
      }
    } catch (e) {}
  }
  let indexeddb = null;
  try {
    let names = [];
    try { names = (await indexedDB.databases()).map((d) => d.name); } catch (e) {}
    indexeddb = { names, origin: String(location.origin) };
  } catch (e) {}
  return { title, links, scripts, indexeddb };
}
