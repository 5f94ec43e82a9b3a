// A dedicated worker that counts the visit with a statistics vendor (the fictional
// werkteller.com): a request only the worker makes, which the page never sees.
fetch("https://statistiek.werkteller.com/v1/tel?bron=worker&gemeente=werkerdorp", {
  mode: "no-cors",
  credentials: "include",
}).then(function () {
  postMessage("geteld");
}, function () {
  postMessage("niet geteld");
});
