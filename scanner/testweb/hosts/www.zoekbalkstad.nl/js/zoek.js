// Zoekbalkstad's own script, on every page: suggestions while typing in the search box
// of the header (a first-party request carrying what is typed), and on the contact page
// a draft of the e-mail address kept as it changes (another one).
(() => {
  const field = document.getElementById("zoekterm");
  let suggest = null;
  field.addEventListener("input", () => {
    clearTimeout(suggest);
    suggest = setTimeout(() => {
      fetch("/zoeken/suggesties?q=" + encodeURIComponent(field.value)).catch(() => {});
    }, 150);
  });
  const email = document.getElementById("email");
  if (email) {
    email.addEventListener("change", () => {
      fetch("/contact/concept?email=" + encodeURIComponent(email.value)).catch(() => {});
    });
  }
})();
