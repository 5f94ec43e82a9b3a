// What autoconsent_shim.js answered: "stale", or "object" (its state: autoconsent runs).
(answer) => (answer === "stale" ? answer : typeof answer)
