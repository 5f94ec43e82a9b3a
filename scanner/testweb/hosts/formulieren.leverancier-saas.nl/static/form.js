// Form supplier: a session cookie and a draft in localStorage, inside a cross-site iframe.
document.cookie = "saas_session=fb-0042-form; path=/; SameSite=None; Secure";
localStorage.setItem("saas_form_draft", '{"naam":"","melding":""}');
