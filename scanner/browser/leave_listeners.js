// Whether the window or the document of this frame has a listener for an event of
// leaving other than hooks.js's own (named `flush`), in one call. Run by
// scanner/browser/session.py in the frame's page world with DevTools' Command Line API
// (`getEventListeners` lists the listeners of the world that asks, handlers set by an
// HTML attribute or a property included) and `throwOnSideEffect`: page code this could
// reach (a page's own global `getEventListeners`, a getter it put on Object.prototype,
// a `name` getter on its listener) cannot change anything or leave a trace; the call
// throws instead, and the visitor asks DevTools the long way. Only syntax and indexed
// reads here: no built-in function a page could have replaced is called.
(types, flush) => {
  const targets = [window, document];
  for (let t = 0; t < targets.length; t++) {
    const all = getEventListeners(targets[t]);
    for (let i = 0; i < types.length; i++) {
      const list = all[types[i]];
      if (!list) continue;
      for (let j = 0; j < list.length; j++) {
        if (list[j].listener.name !== flush) return true;
      }
    }
  }
  return false;
}
