// The frame's origin, for the IndexedDB databases indexeddb.js found in it.
() => location.origin
