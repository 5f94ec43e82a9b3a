// Typdorp's own search: suggestions while typing (a first-party request that carries
// what is typed), and "search as you type": the form submits itself half a second
// after the last key. The form-typing step must not let that submission leave.
(() => {
  const form = document.getElementById("zoeken");
  const field = document.getElementById("zoekterm");
  let suggest = null;
  let submit = null;
  field.addEventListener("input", () => {
    clearTimeout(suggest);
    clearTimeout(submit);
    suggest = setTimeout(() => {
      fetch("/zoeken/suggesties?q=" + encodeURIComponent(field.value)).catch(() => {});
    }, 150);
    submit = setTimeout(() => form.requestSubmit(), 500);
  });
})();
