"""The one flat-row mapping behind the SQLite store and the CSV export."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from scanner.models import (
    ApiCall,
    ConsentChoice,
    Cookie,
    Evidence,
    Finding,
    Initiator,
    Page,
    Party,
    Phase,
    Request,
    Severity,
    StorageItem,
)
from scanner.rows import NESTED, flatten

INITIATOR = Initiator(type="script", url="https://t.example/a.js", line=3, stack=("f@a.js:3:1",))
PARTY = Party(first_party=False, domain="t.example", organisation="T", country="US", eea=False)


@pytest.mark.parametrize(
    ("record", "flat", "expected"),
    [
        (
            Evidence(page_url="https://g.nl/", phase=Phase.REJECT, subject="_ga"),
            {},
            {
                "page_url": "https://g.nl/",
                "phase": Phase.REJECT,
                "subject": "_ga",
                "initiator_type": None,
                "initiator_url": None,
                "initiator_line": None,
                "initiator_stack": None,
            },
        ),
        (
            Evidence(page_url="https://g.nl/", initiator=INITIATOR),
            {},
            {
                "page_url": "https://g.nl/",
                "phase": Phase.NONE,
                "subject": "",
                "initiator_type": "script",
                "initiator_url": "https://t.example/a.js",
                "initiator_line": 3,
                "initiator_stack": ("f@a.js:3:1",),
            },
        ),
        (
            Finding(
                id="f1",
                rule="tracking_before_consent",
                severity=Severity.VIOLATION,
                subject="_ga",
                title="t",
                explanation="e",
                fix="x",
                legal_basis="Tw 11.7a",
                evidence=(Evidence(page_url="https://g.nl/"),),
            ),
            {"skip": ("evidence",), "rename": {"id": "finding_id"}},
            {
                "finding_id": "f1",
                "rule": "tracking_before_consent",
                "severity": Severity.VIOLATION,
                "subject": "_ga",
                "title": "t",
                "explanation": "e",
                "fix": "x",
                "legal_basis": "Tw 11.7a",
            },
        ),
    ],
    ids=["no-initiator", "initiator", "finding-skip-rename"],
)
def test_flatten(record: Any, flat: dict[str, Any], expected: dict[str, Any]) -> None:
    row = flatten(record, **flat)
    assert {k: row[k] for k in expected} == expected
    if "finding_id" in expected:
        assert "id" not in row and "evidence" not in row


@pytest.mark.parametrize("cls", [Page, Cookie, Request, StorageItem, ApiCall, ConsentChoice])
def test_every_field_becomes_a_column(cls: type[Any]) -> None:
    """Nested records spread into prefixed columns; every other field keeps its name."""
    names = [f.name for f in dataclasses.fields(cls)]
    expected: list[str] = []
    for name in names:
        if name in NESTED:
            expected += [f"{name}_{f.name}" for f in dataclasses.fields(NESTED[name])]
        else:
            expected.append(name)
    defaults = {
        f.name: _sample(f.type)
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    record = cls(**defaults)
    record = dataclasses.replace(
        record, **{n: v for n, v in (("initiator", INITIATOR), ("party", PARTY)) if n in names}
    )
    row = flatten(record)
    assert list(row) == expected
    if "party" in names:
        assert row["party_domain"] == "t.example" and row["party_eea"] is False


def _sample(annotation: Any) -> Any:
    text = str(annotation)
    if "int" in text:
        return 1
    if "bool" in text:
        return True
    return "x"
