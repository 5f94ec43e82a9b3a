// autoconsent's messaging shim, run in one frame by scanner/browser/consent.py.
// A template, not runnable as it is: consent.py fills in (Python's %%-format) the frame's
// URL (or null), autoconsent's config, its rules as a JSON string literal, and the
// autoconsent bundle, whose own globals (autoconsentSendMessage, autoconsentReceiveMessage,
// autoconsentHeuristics) consent.py has turned into the local variables declared here:
// the page sees no new window property. In place of the browser-extension messaging,
// autoconsentSendMessage keeps the messages in a state object and answers "init" with the
// config and rules; clicks are recorded once a choice starts. Answers "stale" in a
// document at another URL than the one the rules were picked for, else the state object
// (consent.py keeps it as a handle: autoconsent_poll.js reads it, autoconsent_send.js
// asks for a choice through its receive()).
(() => {
  if (%(href)s !== null && location.href !== %(href)s) return "stale";
  const st = {popup: null, cmp: null, lifecycle: null, result: null, clicks: [], recording: false,
              receive: null};
  const config = %(config)s;
  const rules = JSON.parse(%(rules)s);
  let autoconsentReceiveMessage = null;
  let autoconsentHeuristics = null;
  const autoconsentSendMessage = (m) => {
    try {
      if (m.type === "report") { st.lifecycle = m.state && m.state.lifecycle; return; }
      if (m.type === "init") {
        setTimeout(() => autoconsentReceiveMessage(
          {type: "initResp", config, rules: {autoconsent: rules}}), 0);
      } else if (m.type === "cmpDetected") { st.cmp = st.cmp || m.cmp; }
      else if (m.type === "popupFound") { st.popup = st.popup || m.cmp; }
      else if (m.type === "optOutResult" || m.type === "optInResult") {
        st.result = {type: m.type, cmp: m.cmp, ok: !!m.result};
      }
    } catch (e) {}
  };
  st.receive = (m) => autoconsentReceiveMessage(m);
  document.addEventListener("click", (e) => {
    if (!st.recording) return;
    const t = e.composedPath ? e.composedPath()[0] : e.target;
    // innerText is empty while a modal still fades in: textContent is the same label.
    const text = (t && ((t.innerText || "").trim() || (t.textContent || "").trim() || t.value ||
      (t.getAttribute && (t.getAttribute("aria-label") || t.getAttribute("data-role"))))) || "";
    st.clicks.push(String(text).replace(/\s+/g, " ").trim().slice(0, 120));
  }, true);
  %(bundle)s
  return st;
})()
