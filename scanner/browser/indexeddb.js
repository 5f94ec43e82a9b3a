// The names of the frame's IndexedDB databases (none if the browser will not say).
// Run in every frame by scanner/browser/session.py at the end of a page.
async () => {
  try { return (await indexedDB.databases()).map((d) => d.name); } catch (e) { return []; }
}
