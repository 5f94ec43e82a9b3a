// How many frames the page has (same-origin or not, in this process or another):
// evaluated in an isolated world, where the page cannot have replaced `length`.
window.length
