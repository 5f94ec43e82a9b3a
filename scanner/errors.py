"""Exceptions privacyscan raises on purpose.

The CLI turns any :class:`PrivacyscanError` into a one-line message and a non-zero
exit, so a user sees what to fix instead of a traceback. Anything else escaping is
a bug.
"""

from __future__ import annotations

__all__ = ["ConfigError", "PrivacyscanError", "SitesFileError"]


class PrivacyscanError(Exception):
    """Base of every error privacyscan reports to the user as a plain message."""


class ConfigError(PrivacyscanError):
    """The user's input (options, a URL, a sites file) is wrong; nothing was scanned."""


class SitesFileError(ConfigError):
    """A line of a sites file is wrong; says which file and line, like a compiler.

    ``str()`` reads ``sites.txt:12: province is empty`` so editors and terminals can
    jump to the line.
    """

    path: str
    """The file as the user named it (shown, not opened)."""
    line: int
    """1-based line number."""
    message: str
    """What is wrong with the line, without the location."""

    def __init__(self, path: str, line: int, message: str) -> None:
        # All three go to Exception.args so the error survives pickling (worker processes).
        super().__init__(path, line, message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"
