// Whether any of autoconsent's rules for a frame could match in this document: one list
// of CSS selectors per rule, all of which must match (consent.py's _frame_needs). Run by
// consent.py before it starts autoconsent in a frame; reads the DOM, changes nothing.
(rules) => rules.some((selectors) => selectors.every((selector) => {
  try {
    return document.querySelector(selector) !== null;
  } catch (e) {
    return false;
  }
}))
