"""Instruments of one visitor's recording, one concern each (as in OpenWPM).

Each owns its state, names the DevTools events and ``hooks.js`` report kinds it
handles, and builds its model objects at the end:

* :mod:`.base` — the page clock and the frames every instrument reads;
* :mod:`.network` — requests, redirects, responses, failures, beacons and pixels;
* :mod:`.cookies` — cookie writes (headers and scripts) and the jar;
* :mod:`.storage` — web storage and IndexedDB;
* :mod:`.js_apis` — the fingerprinting APIs scripts call;
* :mod:`.websockets` — WebSockets and what was sent over them;
* :mod:`.workers` — how workers' DevTools events join the page's, and what DevTools missed;
* :mod:`.security` — the security facts of each page's document (first visitor only).

:class:`scanner.browser.recorder.Recorder` routes events to them and assembles the
results; what a consent banner is and what clicking it did is
:mod:`scanner.browser.consent`'s, which acts on the page rather than listening.
"""
