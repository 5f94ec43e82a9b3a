"""Name what went wrong on a page in words a webmaster understands.

Chromium reports failures as ``net::ERR_…`` codes inside Playwright's error text;
the report and the comparison group sites by the error class chosen here.
"""

from __future__ import annotations

import re

from .netguard import REFUSED_PREFIX

ERROR_CLASSES: dict[str, str] = {
    "dns": "The host name does not resolve (DNS): the site cannot be found.",
    "tls": "The secure connection failed: the certificate is invalid or untrusted.",
    "connection": "The server refused or dropped the connection.",
    "timeout": "The page did not finish loading in time.",
    "redirects": "Too many redirects: the site keeps sending the browser elsewhere.",
    "http": "The server answered with an HTTP error status.",
    "blocked_scheme": "The site tried to open a non-web address (file:, chrome:, …).",
    "not_html": "The address does not serve a web page (e.g. a PDF or a download).",
    "private_network": (
        "The site sent the browser to an address inside the network the scan runs in "
        "(loopback, private, link-local, …), which privacyscan refuses."
    ),
    "browser_crash": "The browser crashed while visiting the site.",
    "error": "The visit failed for another reason.",
}
"""Every error class, with the sentence shown to a webmaster."""

_NET_CODES: tuple[tuple[str, str], ...] = (
    (REFUSED_PREFIX, "private_network"),
    ("ERR_NAME_NOT_RESOLVED", "dns"),
    ("ERR_NAME_RESOLUTION_FAILED", "dns"),
    ("ERR_ADDRESS_UNREACHABLE", "connection"),
    ("ERR_CERT_", "tls"),
    ("ERR_SSL_", "tls"),
    ("ERR_BAD_SSL_CLIENT_AUTH_CERT", "tls"),
    ("ERR_TOO_MANY_REDIRECTS", "redirects"),
    ("ERR_CONNECTION_", "connection"),
    ("ERR_EMPTY_RESPONSE", "connection"),
    ("ERR_CONTENT_LENGTH_MISMATCH", "connection"),
    ("ERR_INCOMPLETE_CHUNKED_ENCODING", "connection"),
    ("ERR_HTTP2_PROTOCOL_ERROR", "connection"),
    ("ERR_RESPONSE_HEADERS_TOO_BIG", "http"),
    ("ERR_INVALID_RESPONSE", "connection"),
    ("ERR_TIMED_OUT", "timeout"),
    ("ERR_ABORTED", "not_html"),
    ("ERR_UNKNOWN_URL_SCHEME", "blocked_scheme"),
    ("ERR_DISALLOWED_URL_SCHEME", "blocked_scheme"),
    ("ERR_UNSAFE_REDIRECT", "blocked_scheme"),
    ("ERR_FILE_NOT_FOUND", "blocked_scheme"),
    ("ERR_ACCESS_DENIED", "blocked_scheme"),
    ("ERR_INVALID_AUTH_CREDENTIALS", "http"),
)


def classify_failure(text: str) -> tuple[str, str]:
    """Error class and a readable message for a failure's raw text."""
    if "Target crashed" in text or "Target page, context or browser has been closed" in text:
        return "browser_crash", ERROR_CLASSES["browser_crash"]
    if re.search(r"Timeout \d+ms exceeded|TimeoutError", text):
        return "timeout", ERROR_CLASSES["timeout"]
    if "Download is starting" in text:
        return "not_html", ERROR_CLASSES["not_html"]
    for code, cls in _NET_CODES:
        if code in text:
            found = re.search(r"net::ERR_[A-Z_]+", text)
            if code == REFUSED_PREFIX:
                found = re.search(r"privacyscan refused: [a-z-]+ \S+", text)
            detail = f" ({found.group(0)})" if found else ""
            return cls, ERROR_CLASSES[cls] + detail
    first_line = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return "error", f"{ERROR_CLASSES['error']} ({first_line[:200]})"
