// The form-typing step: describe the visible text fields Playwright found (read only:
// nothing is written to the page). One entry per element, in the order given.
(elements) => elements.map((el) => {
  const attr = (name) => el.getAttribute(name) || "";
  const labels = el.labels ? [...el.labels].map((l) => (l.textContent || "").trim()) : [];
  return {
    type: el.tagName === "TEXTAREA" ? "textarea" : (attr("type") || "text").toLowerCase(),
    autocomplete: attr("autocomplete"),
    name: attr("name"),
    id: el.id || "",
    label: (labels[0] || attr("aria-label")).slice(0, 80),
    placeholder: attr("placeholder").slice(0, 80),
    usable: !el.disabled && !el.readOnly,
  };
})
