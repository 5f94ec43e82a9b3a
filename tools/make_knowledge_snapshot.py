#!/usr/bin/env python3
"""Make the knowledge snapshots shipped in ``scanner/knowledge/bundled/``.

Reads the reference copies of the community lists (``../shared/data/`` beside the
clone, or ``--data DIR``), imports them with privacyscan's own importers and writes the
compact snapshots (:mod:`scanner.knowledge.bundled`) with each list's licence text:

    python tools/make_knowledge_snapshot.py
    python tools/make_knowledge_snapshot.py --data /path/to/shared/data \\
        --ocd-version 0ee5a17 2026-01-21 --tpw-version 424dc03 2026-05-13

The Open Cookie Database is read as the CSV it is. third-party-web's reference copy is
its repository's ``data/entities.js``, a JavaScript module: Node.js evaluates it in an
empty ``vm`` context (no ``require``, no ``process``) and hands the array over as JSON,
the form the npm package publishes (``dist/entities.json``), which the importer reads
and which ``privacyscan lists update`` downloads. Node is needed only here, when the
snapshot is remade from a new reference copy, never by privacyscan itself.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.knowledge.bundled import (  # noqa: E402
    SNAPSHOTS,
    cookie_snapshot,
    dumps,
    service_snapshot,
)
from scanner.knowledge.importers import (  # noqa: E402
    OCD_DATASET,
    OCD_SOURCE,
    TPW_DATASET,
    TPW_SOURCE,
    import_open_cookie_database,
    parse_third_party_web,
)

BUNDLED = ROOT / "scanner" / "knowledge" / "bundled"
DEFAULT_DATA = ROOT.parent / "shared" / "data"

OCD_FILE = Path("open-cookie-database") / "open-cookie-database.csv"
TPW_FILE = Path("third-party-web") / "entities.js"

DEFAULT_VERSIONS = {OCD_DATASET: ("0ee5a17", "2026-01-21"), TPW_DATASET: ("424dc03", "2026-05-13")}
"""Upstream commit and date of the reference copies (``shared/data/README.md``)."""

LICENCES = {
    OCD_DATASET: ("Apache-2.0", "LICENSE-open-cookie-database.txt"),
    TPW_DATASET: ("MIT", "LICENSE-third-party-web.txt"),
}

_NODE_JS = r"""
const fs = require("fs"), vm = require("vm");
const sandbox = {module: {exports: null}};
sandbox.exports = sandbox.module.exports;
vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"), sandbox, {timeout: 10000});
process.stdout.write(JSON.stringify(sandbox.module.exports));
"""


def entities_json(entities_js: Path) -> bytes:
    """third-party-web's ``entities.js`` as the JSON array its npm package publishes."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise SystemExit("Node.js is needed to read entities.js (apt-get install nodejs)")
    done = subprocess.run(
        [node, "-e", _NODE_JS, str(entities_js)], capture_output=True, check=True, timeout=60
    )
    return done.stdout


def _meta(name: str, upstream: str, file: str, version: tuple[str, str]) -> dict[str, str]:
    licence, licence_file = LICENCES[name]
    return {
        "description": (
            f"Snapshot of {upstream} ({file}) made by privacyscan's importer "
            "(tools/make_knowledge_snapshot.py): only the fields privacyscan uses, "
            "categories mapped to privacyscan's purposes."
        ),
        "upstream": upstream,
        "file": file,
        "commit": version[0],
        "date": version[1],
        "license": licence,
        "license_file": licence_file,
    }


def snapshots(data: Path, versions: dict[str, tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """The snapshot documents the importers make from the reference copies in ``data``."""
    cookies = import_open_cookie_database(data / OCD_FILE)
    services = parse_third_party_web(entities_json(data / TPW_FILE))
    return {
        OCD_DATASET: cookie_snapshot(
            cookies,
            _meta(OCD_DATASET, OCD_SOURCE, "open-cookie-database.csv", versions[OCD_DATASET]),
        ),
        TPW_DATASET: service_snapshot(
            services, _meta(TPW_DATASET, TPW_SOURCE, "data/entities.js", versions[TPW_DATASET])
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="reference copies")
    parser.add_argument("--ocd-version", nargs=2, metavar=("COMMIT", "DATE"))
    parser.add_argument("--tpw-version", nargs=2, metavar=("COMMIT", "DATE"))
    args = parser.parse_args()
    versions = dict(DEFAULT_VERSIONS)
    if args.ocd_version:
        versions[OCD_DATASET] = tuple(args.ocd_version)
    if args.tpw_version:
        versions[TPW_DATASET] = tuple(args.tpw_version)
    documents = snapshots(args.data, versions)
    BUNDLED.mkdir(exist_ok=True)
    for name, document in documents.items():
        (BUNDLED / SNAPSHOTS[name]).write_text(dumps(document), encoding="utf-8")
        licence_src = args.data / name / "LICENSE"
        shutil.copyfile(licence_src, BUNDLED / LICENCES[name][1])
        print(f"{SNAPSHOTS[name]}: {len(document['entries'])} entries", file=sys.stderr)


if __name__ == "__main__":
    main()
