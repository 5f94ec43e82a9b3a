// Digitaal loket: remembers the chosen language (first-party, host-only).
document.cookie = "dt_taal=nl; max-age=31536000; path=/";
