// privacyscan instrumentation, injected into every frame before any page script.
// It reports who wrote cookies and storage (with a JavaScript stack), and which
// fetches asked for keepalive. It changes nothing a page can observe except that
// the wrapped functions exist; the reporting binding is removed from the window.
//# sourceURL=__privacyscan_hooks__
(() => {
  const BINDING = "__privacyscanRecord";
  const send = globalThis[BINDING];
  try { delete globalThis[BINDING]; } catch (e) { /* not configurable */ }
  if (typeof send !== "function") return;

  const MARK = "__privacyscan_hooks__";
  const stack = () => {
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 30;
    const text = String(new Error().stack || "");
    Error.stackTraceLimit = saved;
    return text.split("\n").slice(1)
      .map((line) => line.trim().replace(/^at /, ""))
      .filter((line) => line && !line.includes(MARK));
  };
  const report = (kind, data) => {
    try {
      send(JSON.stringify(Object.assign({ kind, stack: stack(), href: String(location.href),
        script: document.currentScript && document.currentScript.src || null }, data)));
    } catch (e) { /* never break the page */ }
  };

  // document.cookie writes, and whether the cookie became visible right away.
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (desc && desc.set && desc.get) {
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true, enumerable: desc.enumerable,
      get() { return desc.get.call(this); },
      set(value) {
        const result = desc.set.call(this, value);
        let visible = null;
        try {
          const text = String(value);
          const pair = text.split(";")[0];
          const eq = pair.indexOf("=");
          const name = (eq < 0 ? "" : pair.slice(0, eq)).trim();
          const val = (eq < 0 ? pair : pair.slice(eq + 1)).trim();
          const jar = String(desc.get.call(this)).split(/;\s*/);
          visible = jar.some((p) => p === name + "=" + val || (name === "" && p === val));
        } catch (e) { /* opaque origin */ }
        report("cookie", { value: String(value), visible });
        return result;
      },
    });
  }

  // The asynchronous Cookie Store API.
  if (globalThis.CookieStore && CookieStore.prototype.set) {
    const original = CookieStore.prototype.set;
    CookieStore.prototype.set = function (nameOrOptions, value) {
      const options = typeof nameOrOptions === "object" && nameOrOptions !== null
        ? nameOrOptions : { name: String(nameOrOptions), value: String(value) };
      report("cookiestore", { options: JSON.parse(JSON.stringify(options)) });
      return original.apply(this, arguments);
    };
  }

  // localStorage / sessionStorage writes through setItem (property writes are
  // seen by the DevTools protocol; this adds the stack where it can).
  if (globalThis.Storage) {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      let area = "unknown";
      try {
        area = this === globalThis.localStorage ? "localStorage"
          : this === globalThis.sessionStorage ? "sessionStorage" : "unknown";
      } catch (e) { /* storage disabled */ }
      report("storage", { area, key: String(key), value: String(value), origin: String(location.origin) });
      return setItem.apply(this, arguments);
    };
  }

  // IndexedDB databases opened.
  if (globalThis.IDBFactory) {
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (name) {
      report("indexeddb", { name: String(name), origin: String(location.origin) });
      return open.apply(this, arguments);
    };
  }

  // Images made by script (`new Image().src = …`): Chromium loads them after the
  // script has returned, so its initiator says "parser"; report the real stack.
  if (globalThis.HTMLImageElement) {
    const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
    if (src && src.set) {
      Object.defineProperty(HTMLImageElement.prototype, "src", {
        configurable: true, enumerable: src.enumerable,
        get() { return src.get.call(this); },
        set(value) {
          try {
            const url = new URL(String(value), document.baseURI);
            if (/^https?:$/.test(url.protocol) && url.origin !== location.origin) {
              report("image", { url: url.href });
            }
          } catch (e) { /* not a URL */ }
          return src.set.call(this, value);
        },
      });
    }
  }

  // fetch(..., {keepalive: true}) outlives the page: a beacon by another name.
  if (globalThis.fetch) {
    const originalFetch = globalThis.fetch;
    globalThis.fetch = function (input, init) {
      try {
        const keepalive = (init && init.keepalive) || (input instanceof Request && input.keepalive);
        if (keepalive) {
          const url = input instanceof Request ? input.url : String(input);
          report("keepalive", { url: new URL(url, location.href).href });
        }
      } catch (e) { /* bad URL: fetch will throw itself */ }
      return originalFetch.apply(this, arguments);
    };
  }
})();
