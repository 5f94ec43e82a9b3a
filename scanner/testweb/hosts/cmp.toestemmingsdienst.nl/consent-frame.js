// Test-web consent vendor: the banner iframe tells its parent page the visitor's choice.
document.querySelectorAll("button[data-keuze]").forEach(function (b) {
  b.addEventListener("click", function () {
    parent.postMessage({ cookiekeuze: b.getAttribute("data-keuze") }, "*");
  });
});
