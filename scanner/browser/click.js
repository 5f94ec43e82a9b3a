// A scripted click on a button of a consent_detect.js "scan" (the handle it returned;
// index: the button's), for one a visitor's click would not reach (covered, or not in
// view): consent.py says so in its reason.
(found, index) => found.buttons[index].click()
