"""The message catalogue: every word privacyscan shows a reader, one file per language.

``nl.json`` and ``en.json`` hold the reports' texts *and* the findings' texts
(``rule.<rule>[.<variant>].title|explanation|fix``, ``rule.<rule>.legal``, and the
``phrase.*`` and ``purpose.*`` words they are filled with), so a report in one
language is in that language throughout. Classification writes no words: a finding
carries its rule and parameters, and :mod:`scanner.messages.findings` renders its
text from here, when a report or an export is made, in the reader's language.

A catalogue maps keys to ``str.format`` templates (``{name}`` placeholders); a key
ending in ``.one`` is the singular variant used when ``n == 1``. Both catalogues
have the same keys and placeholders (a test checks it). Dutch is the default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources

from scanner.errors import ConfigError

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Translator", "load_messages", "translator"]

LANGUAGES = ("nl", "en")
"""Languages with a message catalogue; Dutch is the default for Dutch officials."""

DEFAULT_LANGUAGE = "nl"


def load_messages(lang: str) -> dict[str, str]:
    """Read the message catalogue of ``lang``; an unknown language is a user error."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown report language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    text = resources.files("scanner.messages").joinpath(f"{lang}.json").read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{lang}.json: a message catalogue maps keys to strings")
    return data


class Translator:
    """Looks up texts; a missing key raises so a typo never ships silently."""

    def __init__(self, lang: str, messages: Mapping[str, str]) -> None:
        self.lang = lang
        self.messages = messages

    def __call__(self, key: str, **values: object) -> str:
        """Return the text for ``key`` with ``{name}`` placeholders filled in."""
        text = self._text(key)
        if values.get("n") == 1:
            # "1 bevinding", not "1 bevindingen": a ``.one`` variant wins for n == 1.
            text = self.messages.get(key + ".one", text)
        return text.format_map(values) if values else text

    def fill(self, key: str, values: Mapping[str, object]) -> str:
        """The text for ``key`` filled from ``values``, which may supply defaults itself
        (a mapping with ``__missing__``); no singular variant."""
        return self._text(key).format_map(values)

    def get(self, key: str, fallback: str) -> str:
        """Return the text for ``key`` or ``fallback`` (for open-ended codes)."""
        return self.messages.get(key, fallback)

    def __contains__(self, key: object) -> bool:
        return key in self.messages

    def _text(self, key: str) -> str:
        try:
            return self.messages[key]
        except KeyError:
            raise KeyError(f"message {key!r} missing from the {self.lang} catalogue") from None


def translator(lang: str = DEFAULT_LANGUAGE) -> Translator:
    """A :class:`Translator` on the catalogue of ``lang`` (read anew: nothing is cached)."""
    return Translator(lang, load_messages(lang))
