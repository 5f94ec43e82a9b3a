"""Canary values for the form-typing step, and finding them again in requests.

The first visitor types a fixed, recognisable, fictional value into each visible text
field of a page (never submitting anything), then watches the requests that leave the
page. A request carrying one of those values, as typed, URL-encoded, in base64 or as
an MD5, SHA-1, SHA-256 or SHA-512 hash (for an e-mail address also of the address in
lower case without spaces, as advertising vendors ask for it), is a key logger or a
form tracker at work: the visitor never sent it.

Pure code: no browser, no network, no clock. The browser layer asks :func:`field_kind`
which value a field gets and :func:`find` which values a request carries; the
classification turns the result (``Request.typed``) into findings.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import parse_qsl, unquote, unquote_plus

from .models import TypedLeak

__all__ = ["CANARIES", "ENCODINGS", "TypedField", "field_kind", "find", "matcher"]

CANARIES: Mapping[str, str] = MappingProxyType(
    {
        "email": "Privacyscan.Proef@example.com",
        "name": "Pim Proefpersoon",
        "phone": "06-12345678",
        "postcode": "9999 ZZ",
        "text": "privacyscan proeftekst",
    }
)
"""The value typed per kind of field: fictional (``example.com`` is reserved for
examples, 9999 ZZ is no postcode, 06-12345678 is the usual example number) and
recognisable in a server log. The e-mail address has capitals, so a hash of the
address in lower case (what vendors ask for) tells itself apart from a hash of the
value as typed."""

ENCODINGS = ("plain", "url", "base64", "md5", "sha1", "sha256", "sha512", "keys")
"""How a value can travel; a hash of a normalised e-mail address is ``<hash>-normalised``;
``keys``: one key per request (:meth:`Matcher.find_keys`)."""

KEY_BODY_LIMIT = 256
"""A body longer than this is no key logger's one key (:meth:`Matcher.find_keys`)."""

_HASHES = ("md5", "sha1", "sha256", "sha512")

_KEY_NUMBER = re.compile(r"\d{1,3}")
"""A key sent as a number: its ``keyCode`` (``keydown``) or its character's code."""

_MODIFIER_CODES = frozenset({16, 17, 18, 20, 91, 92, 93, 225})
"""``keyCode``s of Shift, Control, Alt, Caps Lock, the OS keys and AltGr: pressed on
their own between the keys of a value (Shift before a capital or ``@``)."""

_US_KEYS: Mapping[str, tuple[str, int]] = MappingProxyType(
    {
        " ": ("Space", 32),
        "@": ("Digit2", 50),
        "!": ("Digit1", 49),
        "#": ("Digit3", 51),
        ".": ("Period", 190),
        ",": ("Comma", 188),
        "-": ("Minus", 189),
        "_": ("Minus", 189),
        "+": ("Equal", 187),
        "/": ("Slash", 191),
    }
)
"""The key of a character other than a letter or digit on a US keyboard (Chromium's,
and Playwright's typing): its ``code`` and ``keyCode``."""


def key_of(char: str) -> tuple[str, int] | None:
    """The key that types ``char`` on a US keyboard: its ``code`` (``KeyP``) and its
    ``keyCode`` (letters as capitals: 80); ``None`` if no key types it. What the
    form-typing step presses, and what a key logger sending key codes sends."""
    if char.isascii() and char.isalpha():
        return f"Key{char.upper()}", ord(char.upper())
    if char.isascii() and char.isdigit():
        return f"Digit{char}", ord(char)
    return _US_KEYS.get(char)


def _key_codes(value: str) -> tuple[int, ...] | None:
    """The ``keyCode``s a value's keys give; ``None`` if a character has no key."""
    keys = [key_of(char) for char in value]
    return tuple(key[1] for key in keys if key) if all(keys) else None


_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("email", ("email", "e-mail", "e_mail", "mail")),
    ("phone", ("tel", "phone", "telefoon", "mobiel", "mobile")),
    ("postcode", ("postcode", "postal", "zip")),
    ("name", ("naam", "name", "voornaam", "achternaam", "given", "family")),
)


@dataclass(frozen=True, slots=True)
class TypedField:
    """A field the visitor typed into: how the page names it, and its kind."""

    label: str
    """The field as the page names it: ``name``, else ``id``, label, placeholder."""
    kind: str
    """A key of :data:`CANARIES`."""

    @property
    def value(self) -> str:
        """The canary typed into it."""
        return CANARIES[self.kind]


def field_kind(input_type: str, autocomplete: str = "", names: Iterable[str] = ()) -> str | None:
    """Which canary a field gets; ``None`` for a field that is never typed into.

    ``input_type`` is the element's type (``textarea`` for a text area); ``names`` are
    its ``name``, ``id``, label and placeholder. Passwords, hidden fields, check boxes
    and the like get nothing.
    """
    kind = input_type.strip().lower() or "text"
    if kind == "email":
        return "email"
    if kind == "tel":
        return "phone"
    if kind not in ("text", "search", "textarea"):
        return None
    hint = autocomplete.strip().lower()
    if hint in ("off", "on"):
        hint = ""
    words = " ".join([hint, *(n.lower() for n in names)])
    if kind == "text":
        for candidate, needles in _KIND_WORDS:
            if any(_word(needle, words) for needle in needles):
                return candidate
    return "text"


def _word(needle: str, text: str) -> bool:
    """``needle`` as a word or word start in ``text`` (``tel`` in ``telefoon``, not in
    ``hotel``)."""
    return re.search(r"(?<![a-z])" + re.escape(needle), text) is not None


@dataclass(frozen=True, slots=True)
class _Needle:
    text: str
    encoding: str
    lower: bool
    """Compare with the haystack in lower case (hex digests are case-free)."""


class Matcher:
    """Finds the canaries typed on one page in request URLs and bodies."""

    def __init__(self, fields: Iterable[TypedField]) -> None:
        by_kind: dict[str, list[str]] = {}
        for f in fields:
            by_kind.setdefault(f.kind, [])
            if f.label not in by_kind[f.kind]:
                by_kind[f.kind].append(f.label)
        self.fields = {kind: ", ".join(labels) for kind, labels in by_kind.items()}
        self._needles = {kind: _needles(CANARIES[kind], kind) for kind in self.fields}

    def __bool__(self) -> bool:
        return bool(self.fields)

    def find(self, url: str, body: str | None) -> tuple[TypedLeak, ...]:
        """Every (field, encoding, place) a request carries, one per field kind and place,
        the most telling encoding first (as typed, then base64, then hashes)."""
        found: list[TypedLeak] = []
        for place, text in (("url", url), ("body", body)):
            if not text:
                continue
            raw = (text, text.lower())
            decoded = [(v, v.lower()) for v in _views(text)[1:]]
            for kind, needles in self._needles.items():
                encoding = _first(needles, raw, decoded)
                if encoding is not None:
                    found.append(TypedLeak(self.fields[kind], kind, encoding, place))
        return tuple(found)

    def find_keys(self, sent: Sequence[tuple[str, str | None]]) -> list[tuple[TypedLeak, ...]]:
        """Per request of ``sent`` (URL and body, in the order the page sent them): the
        values that a key logger sending one key per request carried, none of them in
        any single request. Per endpoint (the URL without its query) and per parameter
        (of the query, or of the body: a JSON object's keys, a form's fields, or a
        one-character body as a whole), the values of one character are put together
        in order; where a typed value appears among them, each request that gave one
        of its characters carried it (encoding ``keys``)."""
        found: list[list[TypedLeak]] = [[] for _ in sent]
        slots: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
        numbers: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
        for index, (url, body) in enumerate(sent):
            endpoint, _, query = url.partition("#")[0].partition("?")
            fields = [("url", n, v) for n, v in parse_qsl(query, keep_blank_values=True)]
            fields += [("body", n, v) for n, v in _body_fields(body)]
            for place, name, value in fields:
                if len(value) == 1:
                    slots.setdefault((endpoint, place, name), []).append((index, value))
                if _KEY_NUMBER.fullmatch(value):
                    numbers.setdefault((endpoint, place, name), []).append((index, int(value)))

        def mark(kind: str, place: str, indices: Iterable[int]) -> None:
            leak = TypedLeak(self.fields[kind], kind, "keys", place)
            for index in indices:
                if leak not in found[index]:
                    found[index].append(leak)

        for (_endpoint, place, _name), keys in slots.items():
            joined = "".join(value for _, value in keys)
            for kind in self.fields:
                canary = CANARIES[kind]
                start = joined.find(canary)
                if start >= 0:
                    mark(kind, place, (i for i, _ in keys[start : start + len(canary)]))
        for (_endpoint, place, _name), codes in numbers.items():
            # Character codes (``keypress``'s ``charCode``, ``charCodeAt``) spell the value.
            spelled = "".join(chr(c) if 32 <= c < 127 else "\0" for _, c in codes)
            # ``keyCode``s: the value's keys, a modifier pressed on its own between them.
            pressed = [(at, c) for at, (_, c) in enumerate(codes) if c not in _MODIFIER_CODES]
            for kind in self.fields:
                canary = CANARIES[kind]
                start = spelled.find(canary)
                if start >= 0:
                    mark(kind, place, (i for i, _ in codes[start : start + len(canary)]))
                wanted = _key_codes(canary)
                if wanted is None:
                    continue
                at = _find_run([c for _, c in pressed], wanted)
                if at is None:
                    continue
                first, last = pressed[at][0], pressed[at + len(wanted) - 1][0]
                while first > 0 and codes[first - 1][1] in _MODIFIER_CODES:
                    first -= 1  # Shift before the first key
                mark(kind, place, (i for i, _ in codes[first : last + 1]))
        return [tuple(leaks) for leaks in found]


def _find_run(items: Sequence[int], run: Sequence[int]) -> int | None:
    """Where ``run`` first appears in ``items`` as consecutive items."""
    width = len(run)
    for start in range(len(items) - width + 1):
        if list(items[start : start + width]) == list(run):
            return start
    return None


def _body_fields(body: str | None) -> list[tuple[str, str]]:
    """A short request body's named values: a JSON object's text values, a form's
    fields, or the body itself (named ``""``)."""
    if not body or len(body) > KEY_BODY_LIMIT:
        return []
    text = body.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return []
        if not isinstance(data, dict):
            return []
        return [(str(k), v) for k, v in data.items() if isinstance(v, str)]
    if "=" in text:
        return parse_qsl(text, keep_blank_values=True)
    return [("", body)]


def _first(
    needles: Iterable[_Needle], raw: tuple[str, str], decoded: list[tuple[str, str]]
) -> str | None:
    """The encoding of the first needle found: in the text as sent, else URL-decoded
    (a value found only there was sent ``url``-encoded)."""
    for needle in needles:
        if needle.text in raw[1 if needle.lower else 0]:
            return needle.encoding
        if any(needle.text in view[1 if needle.lower else 0] for view in decoded):
            return "url" if needle.encoding == "plain" else needle.encoding
    return None


def matcher(fields: Iterable[TypedField]) -> Matcher:
    """A :class:`Matcher` for the fields typed into on one page."""
    return Matcher(fields)


def find(url: str, body: str | None, fields: Iterable[TypedField]) -> tuple[TypedLeak, ...]:
    """The canaries of ``fields`` that a request (its URL and body) carries."""
    return Matcher(fields).find(url, body)


def _views(text: str) -> tuple[str, ...]:
    """The text as sent, URL-decoded once and twice (``+`` as space or not)."""
    views = [text]
    for decode in (unquote, unquote_plus):
        once = decode(text)
        views += [once, decode(once)]
    return tuple(dict.fromkeys(views))


def _needles(value: str, kind: str) -> tuple[_Needle, ...]:
    """What ``value`` looks like in each encoding, most telling first.

    Base64 of a value inside a longer text depends on where the value starts (its
    offset modulo 3): each of the three alignments gives a fixed inner run of
    characters, found whatever surrounds it (a JSON object encoded as a whole).
    """
    data = value.encode("utf-8")
    needles = [_Needle(value, "plain", False)]
    for b64 in _base64_runs(data):
        needles.append(_Needle(b64, "base64", False))
    sources = [(data, "")]
    normalised = value.strip().lower().encode("utf-8")
    if kind == "email" and normalised != data:
        sources.append((normalised, "-normalised"))
    for name in _HASHES:
        for source, suffix in sources:
            digest = hashlib.new(name, source).digest()
            needles.append(_Needle(digest.hex(), name + suffix, True))
            needles.append(
                _Needle(base64.b64encode(digest).decode().rstrip("="), name + suffix, False)
            )
    if kind == "email" and normalised != data:
        needles.insert(1, _Needle(normalised.decode(), "plain", True))
    return tuple(needles)


def _base64_runs(data: bytes) -> list[str]:
    """The base64 of ``data`` at each of the three offsets, without the characters
    that depend on its neighbours; standard and URL-safe alphabets."""
    runs: list[str] = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        start = (offset * 4 + 2) // 3  # characters touched by the padding bytes
        end = len(encoded) - (4 if (offset + len(data)) % 3 else 0)
        run = encoded[start:end]
        if len(run) >= 8:
            runs.append(run)
            urlsafe = run.replace("+", "-").replace("/", "_")
            if urlsafe != run:
                runs.append(urlsafe)
    return runs
