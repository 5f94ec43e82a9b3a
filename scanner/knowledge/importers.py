"""Importers for community lists: the Open Cookie Database and third-party-web.

Both lists are large and maintained by others, so they fill gaps in our curated base
rather than replace it. They are read as data only: the third-party-web ``entities.js``
is a JavaScript module, which we parse as a literal (never execute), so a changed or
hostile upstream file can at worst be rejected.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.knowledge.base import CookiePattern, MatchKind, ServiceDomain

__all__ = [
    "OCD_DATASET",
    "TPW_DATASET",
    "ImportStats",
    "JSParseError",
    "import_open_cookie_database",
    "import_third_party_web",
    "parse_js_literal",
]

OCD_DATASET = "open-cookie-database"
TPW_DATASET = "third-party-web"
OCD_SOURCE = "https://github.com/jkwakman/Open-Cookie-Database"
TPW_SOURCE = "https://github.com/patrickhulce/third-party-web"

OCD_CATEGORIES = {
    "necessary": "necessary",
    "functional": "functional",
    "analytics": "analytics",
    "marketing": "marketing",
    "security": "security",
    "personalization": "functional",
}
"""Open Cookie Database category (lower-cased) → ours."""

TPW_CATEGORIES: dict[str, str | None] = {
    "ad": "marketing",
    "analytics": "analytics",
    "cdn": "cdn",
    "consent-provider": "consent",
    "content": "functional",
    "customer-success": "functional",
    "hosting": "cdn",
    "marketing": "marketing",
    "other": None,
    "social": "social",
    "tag-manager": "functional",
    "utility": "functional",
    "video": "video",
}
"""third-party-web category → ours (``other`` means we do not know the purpose)."""

_OCD_NAME = "Cookie / Data Key name"
_DOMAIN_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


@dataclass(slots=True)
class ImportStats:
    """Counts of one import, so a caller can tell a healthy list from a broken one."""

    imported: int = 0
    skipped: int = 0
    """Rows or entries that were malformed and left out."""


def import_open_cookie_database(
    path: Path, stats: ImportStats | None = None
) -> tuple[CookiePattern, ...]:
    """Cookie patterns from the Open Cookie Database CSV; malformed rows are skipped."""
    stats = stats if stats is not None else ImportStats()
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    if _OCD_NAME not in header or "Wildcard match" not in header:
        raise ValueError(f"{path}: not an Open Cookie Database CSV (header {header!r})")
    out: list[CookiePattern] = []
    for row in reader:
        name = (row.get(_OCD_NAME) or "").strip()
        wildcard = (row.get("Wildcard match") or "").strip()
        if not name or None in row or wildcard not in ("0", "1", ""):
            stats.skipped += 1
            continue
        match: MatchKind = "prefix" if wildcard == "1" else "exact"
        category = OCD_CATEGORIES.get((row.get("Category") or "").strip().lower())
        out.append(
            CookiePattern(
                name=name,
                match=match,
                service=(row.get("Platform") or "").strip() or None,
                organisation=(row.get("Data Controller") or "").strip() or None,
                category=category,
                lifetime=(row.get("Retention period") or "").strip(),
                description=(row.get("Description") or "").strip(),
                source=OCD_SOURCE,
                dataset=OCD_DATASET,
            )
        )
        stats.imported += 1
    return tuple(out)


def import_third_party_web(
    path: Path, stats: ImportStats | None = None
) -> tuple[ServiceDomain, ...]:
    """Service domains from third-party-web's ``entities.js``, parsed without running it."""
    stats = stats if stats is not None else ImportStats()
    entities = _parse_entities(path.read_text(encoding="utf-8", errors="replace"), stats)
    out: list[ServiceDomain] = []
    for entity in entities:
        name = entity.get("name") if isinstance(entity, dict) else None
        domains = entity.get("domains") if isinstance(entity, dict) else None
        if not isinstance(entity, dict) or not isinstance(name, str) or not name:
            stats.skipped += 1
            continue
        if not isinstance(domains, list) or not domains:
            stats.skipped += 1
            continue
        company = entity.get("company")
        organisation = company if isinstance(company, str) and company else name
        raw_category = entity.get("category")
        category = TPW_CATEGORIES.get(raw_category) if isinstance(raw_category, str) else None
        homepage = entity.get("homepage")
        description = f"{name} ({raw_category})" if isinstance(raw_category, str) else name
        if isinstance(homepage, str) and homepage:
            description += f", {homepage}"
        added = 0
        for pattern in domains:
            domain = _domain_from_pattern(pattern)
            if domain is None:
                continue
            out.append(
                ServiceDomain(
                    domain=domain,
                    organisation=organisation,
                    service=name,
                    category=category,
                    country=None,
                    eea=None,
                    source=TPW_SOURCE,
                    description=description,
                    dataset=TPW_DATASET,
                )
            )
            added += 1
        if added:
            stats.imported += 1
        else:
            stats.skipped += 1
    return tuple(out)


def _domain_from_pattern(pattern: object) -> str | None:
    """``*.example.com`` and ``example.com`` → ``example.com``; anything else → None."""
    if not isinstance(pattern, str):
        return None
    domain = pattern.strip().lower()
    if domain.startswith("*."):
        domain = domain[2:]
    return domain if _DOMAIN_RE.match(domain) else None


def _parse_entities(text: str, stats: ImportStats) -> list[Any]:
    """The top-level array of ``module.exports = [...]``, element by element.

    An element that does not parse is skipped and counted, so one bad entry upstream
    does not throw away two thousand good ones.
    """
    tokens = _tokenize(text)
    start = 0
    for i in range(len(tokens) - 2):
        if tokens[i] == ("ident", "exports") and tokens[i + 1] == ("punct", "="):
            start = i + 2
            break
    while start < len(tokens) and tokens[start] != ("punct", "["):
        start += 1
    if start >= len(tokens):
        raise JSParseError("no array literal found")
    parser = _Parser(tokens, start + 1)
    items: list[Any] = []
    while True:
        if parser.peek() == ("punct", "]"):
            return items
        if parser.peek() is None:
            raise JSParseError("unterminated array")
        begin = parser.pos
        try:
            items.append(parser.value())
        except JSParseError:
            stats.skipped += 1
            parser.pos = begin
            parser.skip_value()
        tok = parser.peek()
        if tok == ("punct", ","):
            parser.pos += 1
        elif tok != ("punct", "]"):
            stats.skipped += 1
            parser.skip_value()
            if parser.peek() == ("punct", ","):
                parser.pos += 1


class JSParseError(ValueError):
    """The JavaScript text is not the literal we expect."""


Token = tuple[str, Any]

_PUNCT = "[]{}(),:;="
_IDENT_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER_RE = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _tokenize(text: str) -> list[Token]:
    """Tokens of a JavaScript object/array literal: enough for data modules."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in "'\"`":
            value, i = _read_string(text, i)
            tokens.append(("str", value))
        elif ch == "/" and (not tokens or tokens[-1][0] == "punct"):
            value, i = _read_regex(text, i)
            tokens.append(("regex", value))
        elif ch in _PUNCT:
            tokens.append(("punct", ch))
            i += 1
        elif ch == "." and text.startswith("...", i):
            tokens.append(("punct", "..."))
            i += 3
        elif ch == ".":
            tokens.append(("punct", "."))
            i += 1
        else:
            m = _NUMBER_RE.match(text, i) if (ch.isdigit() or ch == "-") else None
            if m:
                tokens.append(("num", m.group()))
                i = m.end()
                continue
            m = _IDENT_RE.match(text, i)
            if not m:
                # Not part of a literal: let the parser reject just the element holding it.
                tokens.append(("other", ch))
                i += 1
                continue
            tokens.append(("ident", m.group()))
            i = m.end()
    return tokens


def _read_string(text: str, i: int) -> tuple[str, int]:
    quote = text[i]
    i += 1
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and i + 5 < len(text):
                try:
                    out.append(chr(int(text[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        elif ch == "\n" and quote != "`":
            raise JSParseError(f"newline in string at offset {i}")
        else:
            out.append(ch)
            i += 1
    raise JSParseError("unterminated string")


def _read_regex(text: str, i: int) -> tuple[str, int]:
    j = i + 1
    in_class = False
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "\n":
            raise JSParseError(f"newline in regular expression at offset {i}")
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            j += 1
            while j < len(text) and text[j].isalpha():
                j += 1
            return text[i:j], j
        j += 1
    raise JSParseError("unterminated regular expression")


class _Parser:
    """Recursive-descent parser over tokens for arrays, objects and scalars."""

    def __init__(self, tokens: list[Token], pos: int) -> None:
        self.tokens = tokens
        self.pos = pos

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise JSParseError("unexpected end of input")
        self.pos += 1
        return tok

    def expect(self, punct: str) -> None:
        if self.take() != ("punct", punct):
            raise JSParseError(f"expected {punct!r} at token {self.pos - 1}")

    def value(self) -> Any:
        kind, val = self.take()
        if kind in ("str", "regex"):
            return val
        if kind == "num":
            return float(val) if any(c in val for c in ".eE") and "x" not in val else int(val, 0)
        if kind == "ident":
            return {"true": True, "false": False, "null": None, "undefined": None}.get(val, val)
        if val == "[":
            return self._array()
        if val == "{":
            return self._object()
        raise JSParseError(f"unexpected {val!r} at token {self.pos - 1}")

    def _array(self) -> list[Any]:
        items: list[Any] = []
        while self.peek() != ("punct", "]"):
            items.append(self.value())
            if self.peek() == ("punct", ","):
                self.pos += 1
            elif self.peek() != ("punct", "]"):
                raise JSParseError(f"expected ',' or ']' at token {self.pos}")
        self.pos += 1
        return items

    def _object(self) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        while self.peek() != ("punct", "}"):
            kind, key = self.take()
            if kind not in ("ident", "str", "num"):
                raise JSParseError(f"bad object key at token {self.pos - 1}")
            self.expect(":")
            obj[str(key)] = self.value()
            if self.peek() == ("punct", ","):
                self.pos += 1
            elif self.peek() != ("punct", "}"):
                raise JSParseError(f"expected ',' or '}}' at token {self.pos}")
        self.pos += 1
        return obj

    def skip_value(self) -> None:
        """Skip to the next ``,`` or closing bracket at the current nesting level."""
        depth = 0
        while (tok := self.peek()) is not None:
            if tok[0] == "punct":
                if tok[1] in "[{(":
                    depth += 1
                elif tok[1] in "]})":
                    if depth == 0:
                        return
                    depth -= 1
                elif tok[1] == "," and depth == 0:
                    return
            self.pos += 1


def parse_js_literal(text: str) -> Any:
    """Parse one JavaScript literal (array, object or scalar) without executing it."""
    parser = _Parser(_tokenize(text), 0)
    value = parser.value()
    if parser.peek() is not None:
        raise JSParseError("trailing tokens after literal")
    return value
