// What autoconsent said in its frame so far: the state autoconsent_shim.js returned.
(s) => ({popup: s.popup, cmp: s.cmp, lifecycle: s.lifecycle, result: s.result,
         clicks: s.clicks.slice()})
