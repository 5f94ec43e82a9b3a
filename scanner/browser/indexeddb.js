// The names of the frame's IndexedDB databases (none if the browser will not say) and
// the frame's origin they belong to, in one call. Run in each of the page's frames by
// scanner/browser/session.py at the end of a page (page_reads.js reads the page's own).
async () => {
  let names = [];
  try { names = (await indexedDB.databases()).map((d) => d.name); } catch (e) {}
  return { names, origin: location.origin };
}
