// privacyscan instrumentation, injected into every frame before any page script.
// It reports who wrote cookies and storage (with a JavaScript stack), which
// fetches asked for keepalive, and which scripts read the browser features that
// fingerprinting uses (canvas, WebGL, audio, font probing, WebRTC, media devices,
// the battery, sweeps over navigator and screen properties), and which add listeners
// for keys, pointer movement or device sensors, or observe every change to the
// document (session recorders). It changes nothing a
// page can observe: the reporting binding is removed from the window, and a wrapped
// function answers what a page may ask it (toString, name, length, prototype, the
// stack of an error thrown through it) as the original would ("disguise" below;
// tests/test_traceless.py compares with a plain Chromium).
//# sourceURL=__privacyscan_hooks__
(() => {
  const BINDING = "__privacyscanRecord";
  const send = globalThis[BINDING];
  try { delete globalThis[BINDING]; } catch (e) { /* not configurable */ }
  if (typeof send !== "function") return;

  const MARK = "__privacyscan_hooks__";
  // Disguise. `disguised` maps each wrapper to its original: Function.prototype.toString
  // (itself wrapped) prints the original's source for it. A wrapper that is a Proxy of
  // its original already has the original's name, length, prototype and [[Construct]];
  // disguise() makes one of a plain function. `clean` drops the hooks' own frames
  // from an error thrown through a wrapper (only when something throws). The
  // builtins used here are taken now: a page may replace them later.
  const apply = Reflect.apply;
  const disguised = new WeakMap();
  const lookup = WeakMap.prototype.get;
  const remember = WeakMap.prototype.set;
  const ErrorType = Error;
  const clean = (e) => {
    try {
      if (e instanceof ErrorType && typeof e.stack === "string" && e.stack.includes(MARK)) {
        e.stack = e.stack.split("\n").filter((line) => !line.includes(MARK)).join("\n");
      }
    } catch (x) { /* a frozen or foreign error stays as it is */ }
    return e;
  };
  const passed = (wrapper, original) => apply(remember, disguised, [wrapper, original]);
  const disguise = (wrapper, original) => {
    const proxy = new Proxy(original, {
      apply(target, self, args) {
        try { return apply(wrapper, self, args); } catch (e) { throw clean(e); }
      },
    });
    passed(proxy, original);
    return proxy;
  };
  if (globalThis.Function) {
    const where = Object.getOwnPropertyDescriptor(Function.prototype, "toString");
    const toString = where && where.value;
    if (typeof toString === "function") {
      const masked = new Proxy(toString, {
        apply(target, self, args) {
          const original = apply(lookup, disguised, [self]);
          try {
            return apply(target, original === undefined ? self : original, args);
          } catch (e) { throw clean(e); }
        },
      });
      passed(masked, toString);
      Object.defineProperty(Function.prototype, "toString", Object.assign({}, where, { value: masked }));
    }
  }
  const stack = (limit = 30) => {
    const saved = ErrorType.stackTraceLimit;
    // A page's own Error.prepareStackTrace would see the hooks' frames, and format them.
    const format = ErrorType.prepareStackTrace;
    ErrorType.stackTraceLimit = limit;
    if (format !== undefined) ErrorType.prepareStackTrace = undefined;
    const text = String(new ErrorType().stack || "");
    if (format !== undefined) ErrorType.prepareStackTrace = format;
    ErrorType.stackTraceLimit = saved;
    return text.split("\n").slice(1)
      .map((line) => line.trim().replace(/^at /, ""))
      .filter((line) => line && !line.includes(MARK));
  };
  // A frame that writes thousands of cookies or keys is hostile or broken: after
  // MAX_REPORTS reports the rest go unreported (the cookie jar and the DevTools
  // storage events still show what was stored), so the page is not slowed down.
  const MAX_REPORTS = 2000;
  let reports = 0;
  const report = (kind, data) => {
    if (++reports > MAX_REPORTS) return;
    try {
      send(JSON.stringify(Object.assign({ kind, stack: stack(), href: String(location.href),
        script: globalThis.document && document.currentScript && document.currentScript.src || null },
        data)));
    } catch (e) { /* never break the page */ }
  };

  // document.cookie writes, and whether the cookie became visible right away.
  // Reading the jar after a write is a synchronous round trip to the browser
  // (~1.5 ms), so only the first VISIBLE_CHECKS writes of a frame are checked;
  // later ones are judged by the cookie jar read after the page.
  const VISIBLE_CHECKS = 100;
  let checks = 0;
  // In a worker (hooks.js runs in workers too) there is no document.
  const desc = globalThis.Document && Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (desc && desc.set && desc.get) {
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true, enumerable: desc.enumerable,
      get: desc.get,
      set: disguise(function (value) {
        const result = desc.set.call(this, value);
        let visible = null;
        if (++checks <= VISIBLE_CHECKS && reports < MAX_REPORTS) try {
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
      }, desc.set),
    });
  }

  // The asynchronous Cookie Store API.
  if (globalThis.CookieStore && CookieStore.prototype.set) {
    const original = CookieStore.prototype.set;
    CookieStore.prototype.set = disguise(function (nameOrOptions, value) {
      const options = typeof nameOrOptions === "object" && nameOrOptions !== null
        ? nameOrOptions : { name: String(nameOrOptions), value: String(value) };
      report("cookiestore", { options: JSON.parse(JSON.stringify(options)) });
      return original.apply(this, arguments);
    }, original);
  }

  // localStorage / sessionStorage writes through setItem (property writes are
  // seen by the DevTools protocol; this adds the stack where it can).
  if (globalThis.Storage) {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = disguise(function (key, value) {
      let area = "unknown";
      try {
        area = this === globalThis.localStorage ? "localStorage"
          : this === globalThis.sessionStorage ? "sessionStorage" : "unknown";
      } catch (e) { /* storage disabled */ }
      report("storage", { area, key: String(key), value: String(value), origin: String(location.origin) });
      return setItem.apply(this, arguments);
    }, setItem);
  }

  // IndexedDB databases opened.
  if (globalThis.IDBFactory) {
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = disguise(function (name) {
      report("indexeddb", { name: String(name), origin: String(location.origin) });
      return open.apply(this, arguments);
    }, open);
  }

  // Images made by script (`new Image().src = …`): Chromium loads them after the
  // script has returned, so its initiator says "parser"; report the real stack.
  if (globalThis.HTMLImageElement) {
    const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
    if (src && src.set) {
      Object.defineProperty(HTMLImageElement.prototype, "src", {
        configurable: true, enumerable: src.enumerable,
        get: src.get,
        set: disguise(function (value) {
          try {
            const url = new URL(String(value), document.baseURI);
            if (/^https?:$/.test(url.protocol) && url.origin !== location.origin) {
              report("image", { url: url.href });
            }
          } catch (e) { /* not a URL */ }
          return src.set.call(this, value);
        }, src.set),
      });
    }
  }

  // Fingerprinting reads. Each call costs a counter; the stack that tells which
  // script called (the expensive part) is taken for the first STACKED calls of an
  // API in this frame, then for every STACKED-th call, and the calls in between are
  // counted for the script seen last. A short stack names the caller; a full one
  // is kept only for the first call per (api, script), which is reported at once.
  // Later calls are summed and sent at most once per FLUSH_MS. `threshold` holds
  // an API back until the frame has called it that often (measureText: a few
  // calls lay out text, hundreds probe the installed fonts). Reads of navigator and
  // screen properties ("swept" APIs) are held back until the frame has read
  // SWEEP_MIN different ones: one navigator.language read is how a site picks its
  // language, a sweep over plugins, memory, cores and screen depth is a fingerprint.
  const STACKED = 256;
  const SWEEP_MIN = 8;
  const swept = new Set();
  const SHORT_STACK = 8;
  const FLUSH_MS = 1000;
  const FONT_PROBE_CALLS = 50;
  const setTimer = globalThis.setTimeout;
  const perApi = new Map();
  const perKey = new Map();
  let flushTimer = null;
  const scriptOf = (frames) => {
    for (const line of frames) {
      const m = /(https?:\/\/[^\s()]+?)(?::\d+){2}\)?$/.exec(line);
      if (m) return m[1];
    }
    return null;
  };
  const sendApi = (key, withStack) => {
    const count = key.pending;
    key.pending = 0;
    try {
      send(JSON.stringify(withStack
        ? { kind: "api", api: key.api, by: key.script, count, stack: key.frames,
            href: String(location.href), origin: String(location.origin) }
        : { kind: "api_count", api: key.api, by: key.script, count,
            href: String(location.href), origin: String(location.origin) }));
    } catch (e) { /* never break the page */ }
  };
  const flush = () => {
    flushTimer = null;
    for (const key of perKey.values()) {
      if (key.pending <= 0 || !released(key.api, key.threshold, key.swept)) continue;
      const first = !key.reported;
      key.reported = true;
      sendApi(key, first);
    }
  };
  const released = (api, threshold, sweep) =>
    sweep ? swept.size >= SWEEP_MIN : perApi.get(api).n >= threshold;
  const hit = (api, threshold, sweep = false) => {
    try {
      let state = perApi.get(api);
      if (state === undefined) perApi.set(api, state = { n: 0, script: null, key: null });
      state.n += 1;
      let opened = false;
      if (sweep && !swept.has(api)) {
        swept.add(api);
        opened = swept.size === SWEEP_MIN;
      }
      if (state.n <= STACKED || state.n % STACKED === 0) {
        let frames = stack(SHORT_STACK);
        let script = scriptOf(frames);
        if (script === null) {
          frames = stack();
          script = scriptOf(frames) || String(location.href);
        }
        if (script !== state.script || state.key === null) {
          const id = api + " " + script;
          let key = perKey.get(id);
          if (key === undefined) {
            key = { api, script, frames: frames.length >= SHORT_STACK - 3 ? stack() : frames,
              threshold, swept: sweep, pending: 0, reported: false };
            perKey.set(id, key);
          }
          state.script = script;
          state.key = key;
        }
      }
      const key = state.key;
      key.pending += 1;
      if (!released(api, threshold, sweep)) return;
      if (!key.reported) {
        key.reported = true;
        sendApi(key, true);
      }
      // Reaching the threshold releases the calls other scripts made before it.
      const reached = sweep ? opened : state.n === threshold;
      if (flushTimer === null && (key.pending > 0 || reached)) {
        flushTimer = setTimer(flush, FLUSH_MS);
      }
    } catch (e) { /* never break the page */ }
  };
  // Send what is still counted when the frame goes away (navigation, iframe removed).
  // Named so the visitor tells it from the page's own listeners when it asks DevTools
  // whether anything runs as the page is left (session.py, FLUSH_LISTENER).
  globalThis.addEventListener("pagehide", function __privacyscan_hooks_flush__() {
    try { flush(); } catch (e) { /* ignore */ }
  }, true);

  // Proxies keep name, length, `this` checks and thrown errors of the originals.
  const wrapMethod = (proto, name, api, threshold, when, whenCalledOn) => {
    const original = proto && Object.getOwnPropertyDescriptor(proto, name);
    if (!original || typeof original.value !== "function") return;
    const wrapped = new Proxy(original.value, {
      apply(target, self, args) {
        let result;
        try { result = apply(target, self, args); } catch (e) { throw clean(e); }
        let label = api;
        try {
          label = whenCalledOn ? whenCalledOn(self, args) : when ? when(args) : api;
        } catch (e) { label = null; /* never break the page */ }
        if (label) hit(label, threshold);
        return result;
      },
    });
    passed(wrapped, original.value);
    Object.defineProperty(proto, name, Object.assign({}, original, { value: wrapped }));
  };
  const UNMASKED = { 37445: "webgl.getParameter:UNMASKED_VENDOR_WEBGL",
    37446: "webgl.getParameter:UNMASKED_RENDERER_WEBGL" };
  // Only plain numbers: converting an object here would run page code twice.
  const unmasked = (args) => (typeof args[0] === "number" && UNMASKED[args[0]]) || null;
  if (globalThis.HTMLCanvasElement) {
    wrapMethod(HTMLCanvasElement.prototype, "toDataURL", "canvas.toDataURL", 1);
    wrapMethod(HTMLCanvasElement.prototype, "toBlob", "canvas.toBlob", 1);
  }
  for (const context of [globalThis.CanvasRenderingContext2D,
    globalThis.OffscreenCanvasRenderingContext2D]) {
    if (!context) continue;
    wrapMethod(context.prototype, "getImageData", "canvas.getImageData", 1);
    wrapMethod(context.prototype, "measureText", "font.measureText", FONT_PROBE_CALLS);
  }
  // A canvas off screen: in a page, and the only kind a worker has.
  if (globalThis.OffscreenCanvas) {
    wrapMethod(OffscreenCanvas.prototype, "convertToBlob", "canvas.convertToBlob", 1);
  }
  for (const gl of [globalThis.WebGLRenderingContext, globalThis.WebGL2RenderingContext]) {
    if (gl) wrapMethod(gl.prototype, "getParameter", null, 1, unmasked);
  }
  // Constructors: the wrapper stands in for the original everywhere the page can
  // reach it (the global, its aliases, prototype.constructor), so `instanceof`,
  // `constructor ===` and subclasses behave as before.
  const wrapConstructor = (name, api, aliases) => {
    const Original = globalThis[name];
    if (typeof Original !== "function") return;
    const wrapped = new Proxy(Original, {
      construct(target, args, newTarget) {
        let made;
        try {
          made = Reflect.construct(target, args, newTarget === wrapped ? target : newTarget);
        } catch (e) { throw clean(e); }
        hit(api, 1);
        return made;
      },
    });
    passed(wrapped, Original);
    for (const key of [name, ...(aliases || [])]) {
      const where = Object.getOwnPropertyDescriptor(globalThis, key);
      if (where && where.value === Original) {
        Object.defineProperty(globalThis, key, Object.assign({}, where, { value: wrapped }));
      }
    }
    try {
      Object.defineProperty(Original.prototype, "constructor", Object.assign(
        {}, Object.getOwnPropertyDescriptor(Original.prototype, "constructor"), { value: wrapped }));
    } catch (e) { /* not configurable */ }
  };
  // Getters (navigator.plugins, screen.colorDepth): the same Proxy, on the getter.
  const wrapGetter = (proto, name, api, sweep) => {
    const original = proto && Object.getOwnPropertyDescriptor(proto, name);
    if (!original || typeof original.get !== "function") return;
    const get = new Proxy(original.get, {
      apply(target, self, args) {
        let result;
        try { result = apply(target, self, args); } catch (e) { throw clean(e); }
        hit(api, 1, sweep);
        return result;
      },
    });
    passed(get, original.get);
    Object.defineProperty(proto, name, Object.assign({}, original, { get }));
  };
  wrapConstructor("OfflineAudioContext", "audio.OfflineAudioContext");
  // A realtime AudioContext: the oscillator-and-compressor fingerprint without OfflineAudioContext.
  wrapConstructor("AudioContext", "audio.AudioContext");
  // WebRTC local-IP discovery: a peer connection with a data channel and an offer gathers
  // ICE candidates, whose text holds the device's addresses.
  wrapConstructor("RTCPeerConnection", "webrtc.RTCPeerConnection", ["webkitRTCPeerConnection"]);
  if (globalThis.RTCPeerConnection) {
    wrapMethod(RTCPeerConnection.prototype, "createDataChannel", "webrtc.createDataChannel", 1);
    wrapMethod(RTCPeerConnection.prototype, "createOffer", "webrtc.createOffer", 1);
  }
  if (globalThis.RTCIceCandidate) {
    wrapGetter(RTCIceCandidate.prototype, "candidate", "webrtc.iceCandidate", false);
    wrapGetter(RTCIceCandidate.prototype, "address", "webrtc.iceCandidate", false);
  }
  if (globalThis.MediaDevices) {
    wrapMethod(MediaDevices.prototype, "enumerateDevices", "media.enumerateDevices", 1);
  }
  if (globalThis.Navigator) {
    wrapMethod(Navigator.prototype, "getBattery", "battery.getBattery", 1);
    for (const name of ["plugins", "mimeTypes", "hardwareConcurrency", "deviceMemory", "languages",
      "language", "platform", "maxTouchPoints", "doNotTrack", "vendor", "cookieEnabled",
      "pdfViewerEnabled", "userAgent"]) {
      wrapGetter(Navigator.prototype, name, "navigator." + name, true);
    }
  }
  if (globalThis.Screen) {
    for (const name of ["width", "height", "availWidth", "availHeight", "colorDepth", "pixelDepth"]) {
      wrapGetter(Screen.prototype, name, "screen." + name, true);
    }
  }

  // Behaviour tracking: a listener for what the visitor types, how the pointer or a
  // finger moves, or how the device is held, on the window, the document or a form
  // field ("listener.keydown:field"). Clicks are left out: menus and every analytics
  // tag listen to them. Only the type (a string) and the target are looked at, so no
  // page code runs; the listener itself is added exactly as asked.
  const TYPED = new Set(["keydown", "keyup", "keypress", "input", "beforeinput"]);
  const MOVED = new Set(["mousemove", "pointermove", "touchstart", "touchmove"]);
  const SENSED = new Set(["devicemotion", "deviceorientation", "deviceorientationabsolute"]);
  const fieldTypes = [globalThis.HTMLInputElement, globalThis.HTMLTextAreaElement,
    globalThis.HTMLSelectElement, globalThis.HTMLFormElement].filter(Boolean);
  // The originals, taken now: a page may replace them, and its code must not run here.
  const hasAttribute = globalThis.Element && Element.prototype.hasAttribute;
  const bodyOf = globalThis.Document && Object.getOwnPropertyDescriptor(Document.prototype, "body");
  const rootOf = globalThis.Document &&
    Object.getOwnPropertyDescriptor(Document.prototype, "documentElement");
  const pageWide = (target) => {
    if (!globalThis.document) return null;  // a worker: no key, pointer or sensor events
    // A bare addEventListener(...) in a script is the window's.
    if (target === globalThis || target === undefined || target === null) return "window";
    if (target === document) return "document";
    if (target === rootOf.get.call(document) || target === bodyOf.get.call(document)) {
      return "document";
    }
    return null;
  };
  const isField = (target) => fieldTypes.some((type) => target instanceof type) ||
    (!!hasAttribute && globalThis.HTMLElement && target instanceof HTMLElement &&
      hasAttribute.call(target, "contenteditable"));
  const listened = (self, args) => {
    const type = args[0];
    if (typeof type !== "string" || !args[1]) return null;
    let place = null;
    if (SENSED.has(type)) {
      place = pageWide(self) === "window" ? "window" : null;
    } else if (MOVED.has(type)) {
      place = pageWide(self);
    } else if (TYPED.has(type)) {
      place = pageWide(self) || (isField(self) ? "field" : null);
    }
    return place === null ? null : "listener." + type + ":" + place;
  };
  if (globalThis.EventTarget) {
    wrapMethod(EventTarget.prototype, "addEventListener", null, 1, null, listened);
  }

  // Session recording: a MutationObserver watching the whole document (the document,
  // its root or body, with subtree) sees every change a recorder sends on
  // ("dom.observe:document"). One on a single element is how ordinary scripts react
  // to their widget: not recorded. The options are read as own data properties, so
  // no page getter runs; observe() is called a few times a page, never in a loop.
  const ownValue = (object, name) => {
    const d = object && typeof object === "object" && Object.getOwnPropertyDescriptor(object, name);
    return d && "value" in d ? d.value : undefined;
  };
  const observed = (self, args) => {
    const target = args[0];
    if (!target || !(target === document || target === rootOf.get.call(document) ||
      target === bodyOf.get.call(document))) return null;
    return ownValue(args[1], "subtree") === true ? "dom.observe:document" : null;
  };
  if (globalThis.MutationObserver) {
    wrapMethod(MutationObserver.prototype, "observe", null, 1, null, observed);
  }

  // fetch(..., {keepalive: true}) outlives the page: a beacon by another name.
  if (globalThis.fetch) {
    const originalFetch = globalThis.fetch;
    globalThis.fetch = disguise(function (input, init) {
      try {
        const keepalive = (init && init.keepalive) || (input instanceof Request && input.keepalive);
        if (keepalive) {
          const url = input instanceof Request ? input.url : String(input);
          report("keepalive", { url: new URL(url, location.href).href });
        }
      } catch (e) { /* bad URL: fetch will throw itself */ }
      return originalFetch.apply(this, arguments);
    }, originalFetch);
  }

  // fetchLater(...) defers a request until the page is left: the visitor must leave
  // this page, though no handler of the page's shows it. Its own budget, not the
  // reports' (a page that used that up must still be left).
  if (typeof globalThis.fetchLater === "function") {
    const originalFetchLater = globalThis.fetchLater;
    let told = 0;
    globalThis.fetchLater = disguise(function (input, init) {
      const result = apply(originalFetchLater, this, arguments);
      try {
        if (told < 50) {
          told += 1;
          const url = input instanceof Request ? input.url : String(input);
          send(JSON.stringify({ kind: "fetch_later", url: new URL(url, location.href).href,
            href: String(location.href) }));
        }
      } catch (e) { /* never break the page */ }
      return result;
    }, originalFetchLater);
  }
})();
