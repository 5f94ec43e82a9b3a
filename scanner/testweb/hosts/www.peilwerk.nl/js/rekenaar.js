// The site's own worker: loads a third-party script into itself (importScripts) and reports back.
importScripts("https://cdn.peilwerk-analytics.com/peil-worker.js");
postMessage("klaar");
