// A scripted click on an element that would not take a real one.
(element) => element.click()
