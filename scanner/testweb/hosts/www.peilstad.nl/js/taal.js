// Peilstad's own script: shows the Dutch or the English welcome, as an ordinary
// site does, from one navigator.language read.
(function () {
  var english = /^en\b/i.test(navigator.language || "");
  var welcome = document.getElementById("welkom");
  if (welcome && english) welcome.textContent = "Welcome to Peilstad";
})();
