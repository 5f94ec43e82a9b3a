"""Evidence bundles: written from a stored scan, verified, and caught when changed.

The scan is the golden pair of tests/fixtures (no browser), with two screenshots
added to Assen, saved in a real SQLite history and bundled through the command line.
Every tampering test changes exactly one byte of one file (or the signature) and
expects ``privacyscan verify`` to exit 1 naming it; the untouched bundle exits 0.
The standard-tools route of the README (``openssl``, ``sha256sum``) is run as written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from scanner.cli import cli
from scanner.evidence import MANIFEST, PUBLIC_KEY, SIGNATURE
from scanner.models import Scan, Screenshot
from scanner.store import open_store
from tests.test_app import golden_scan, previous_scan
from tests.test_store import JPEG, PNG

README = Path(__file__).resolve().parents[1] / "README.md"


def _with_screenshots(scan: Scan) -> Scan:
    sites = list(scan.sites)
    assen = next(i for i, r in enumerate(sites) if r.site.name == "Assen")
    shots = (
        Screenshot("page", sites[assen].site.url, "image/jpeg", base64.b64encode(JPEG).decode()),
        Screenshot("banner", sites[assen].site.url, "image/png", base64.b64encode(PNG).decode()),
    )
    sites[assen] = replace(sites[assen], screenshots=shots)
    return replace(scan, sites=tuple(sites))


@pytest.fixture
def history(tmp_path: Path) -> Path:
    db = tmp_path / "history.db"
    with open_store(db) as store:
        for scan in (previous_scan(), _with_screenshots(golden_scan())):
            store.create_scan(scan, [r.site for r in scan.sites])
    return db


def _run(*args: str) -> Result:
    """The command line; ``evidence`` without the PDF (these tests start no browser:
    the printed report is tested in tests/test_pdf.py and tests/test_scan_e2e.py)."""
    extra = ["--no-pdf"] if args[0] == "evidence" else []
    return CliRunner().invoke(cli, [*args, *extra])


def _bundle(history: Path, out: Path, *extra: str) -> Result:
    result = _run("evidence", "latest", "Assen", "--db", str(history), "--out", str(out), *extra)
    assert result.exit_code == 0, result.output
    return result


def _key(tmp_path: Path, name: str = "key") -> tuple[Path, Path]:
    """An Ed25519 key pair as openssl writes it: PKCS#8 PEM and SubjectPublicKeyInfo."""
    key = Ed25519PrivateKey.generate()
    private = tmp_path / f"{name}.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = tmp_path / f"{name}.pub.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def _flip_one_byte(path: Path, offset: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _rewrite_zip(path: Path, name: str, change: bytes | None) -> None:
    """The ZIP ``path`` with the entry ``name`` replaced by ``change`` (``None``: one
    byte of it flipped)."""
    with zipfile.ZipFile(path) as zf:
        entries = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in entries:
            if info.filename == name:
                data = change if change is not None else bytes([data[0] ^ 1]) + data[1:]
            zf.writestr(info, data)


# -- what a bundle holds -----------------------------------------------------------------


def test_a_bundle_holds_the_sites_evidence_and_a_manifest_of_it(
    history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "assen"
    printed = _bundle(history, out, "--lang", "en")
    assert printed.stdout.strip() == str(out)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        MANIFEST,
        "report.html",
        "screenshots/none-banner.png",
        "screenshots/none-page.jpg",
        "site.json",
    ]
    assert (out / "screenshots/none-page.jpg").read_bytes() == JPEG
    assert (out / "screenshots/none-banner.png").read_bytes() == PNG

    scan = golden_scan()
    assen = next(r for r in scan.sites if r.site.name == "Assen")
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    assert manifest["format"] == "privacyscan-evidence"
    assert manifest["scan"]["id"] == scan.id
    assert (manifest["scan"]["started_at"], manifest["scan"]["finished_at"]) == (
        scan.started_at,
        scan.finished_at,
    )
    assert manifest["scan"]["browser"] == scan.browser == "Chromium 156.0.8078.108"
    assert manifest["scan"]["tool_version"] == scan.tool_version
    assert [tuple(x) for x in manifest["scan"]["lists"]] == list(scan.lists)
    assert [tuple(x) for x in manifest["scan"]["options"]] == list(scan.options)
    assert manifest["site"]["url"] == assen.site.url
    assert manifest["site"]["started_at"] == assen.started_at
    assert manifest["signature"] is None
    listed = {f["path"]: f for f in manifest["files"]}
    assert sorted(listed) == [f for f in files if f != MANIFEST]
    for path, entry in listed.items():
        data = (out / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
    document = json.loads((out / "site.json").read_text("utf-8"))
    assert document["result"]["site"]["name"] == "Assen"
    assert document["scan_id"] == scan.id
    html = (out / "report.html").read_text("utf-8")
    assert "Assen" in html and "<html" in html


def test_the_site_is_named_by_name_url_or_code_and_a_wrong_one_is_a_usage_error(
    history: Path, tmp_path: Path
) -> None:
    assen = next(r for r in golden_scan().sites if r.site.name == "Assen").site
    for i, ref in enumerate(("assen", assen.url, assen.code or "")):
        result = _run(
            "evidence", "latest", ref, "--db", str(history), "--out", str(tmp_path / f"b{i}")
        )
        assert result.exit_code == 0, result.output
    wrong = _run("evidence", "latest", "Atlantis", "--db", str(history), "--out", str(tmp_path))
    assert wrong.exit_code == 2 and "no site 'Atlantis'" in wrong.output


def test_a_bundle_is_never_written_over_other_files(history: Path, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    result = _run("evidence", "latest", "Assen", "--db", str(history), "--out", str(busy))
    assert result.exit_code == 2 and "not an empty directory" in result.output
    _bundle(history, tmp_path / "a.zip")
    again = _run(
        "evidence", "latest", "Assen", "--db", str(history), "--out", str(tmp_path / "a.zip")
    )
    assert again.exit_code == 2 and "never overwritten" in again.output


# -- verifying ----------------------------------------------------------------------------


@pytest.mark.parametrize("victim", ["site.json", "report.html", "screenshots/none-page.jpg"])
def test_one_changed_byte_in_a_directory_bundle_fails_and_is_named(
    history: Path, tmp_path: Path, victim: str
) -> None:
    out = tmp_path / "assen"
    _bundle(history, out)
    intact = _run("verify", str(out))
    assert intact.exit_code == 0, intact.output
    assert intact.output.startswith("OK: 4 files")

    _flip_one_byte(out / victim, offset=40)
    changed = _run("verify", str(out))
    assert changed.exit_code == 1, changed.output
    assert changed.output.startswith(f"changed: {victim} (SHA-256 ")
    assert "FAILED" in changed.output and changed.output.count("changed: ") == 1


def test_a_changed_manifest_is_caught_by_its_hashes_its_digest_or_its_signature(
    history: Path, tmp_path: Path
) -> None:
    """Unsigned, the manifest is the reference itself: a change to a hash in it fails,
    damage to it fails, and a change to its other facts shows only in its SHA-256,
    which ``evidence`` prints to be written down (the signature is the way to need no
    note: see the signing tests)."""
    out = tmp_path / "assen"
    written = _bundle(history, out)
    digest = written.stderr.split("manifest.json SHA-256 ")[1].split()[0]
    manifest_path = out / MANIFEST
    original = manifest_path.read_bytes()
    manifest = json.loads(original)

    wrong_hash = json.loads(original)
    entry = wrong_hash["files"][0]
    entry["sha256"] = entry["sha256"][:-1] + ("0" if entry["sha256"][-1] != "0" else "1")
    manifest_path.write_text(json.dumps(wrong_hash, indent=2) + "\n")
    result = _run("verify", str(out))
    assert result.exit_code == 1 and f"changed: {entry['path']} " in result.output

    manifest_path.write_bytes(original.replace(b'"files": [', b'"files"; [', 1))
    damaged = _run("verify", str(out))
    assert damaged.exit_code == 1 and "manifest.json is damaged" in damaged.output

    manifest_path.write_bytes(
        original.replace(b'"format": "privacyscan-evidence"', b'"format": "x"')
    )
    other = _run("verify", str(out))
    assert other.exit_code == 1 and "not a privacyscan-evidence manifest" in other.output

    manifest["site"]["started_at"] = "2026-11-28T18:00:00Z"  # a fact, not a hash
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    edited = _run("verify", str(out))
    assert edited.exit_code == 0  # every file matches: only the digest tells
    assert f"manifest.json SHA-256 {digest}" not in edited.output
    manifest_path.write_bytes(original)
    assert f"manifest.json SHA-256 {digest}" in _run("verify", str(out)).output


def test_one_changed_byte_in_a_zip_bundle_fails_and_is_named(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "assen.zip"
    _bundle(history, out)
    assert _run("verify", str(out)).exit_code == 0
    _rewrite_zip(out, "screenshots/none-banner.png", None)
    changed = _run("verify", str(out))
    assert changed.exit_code == 1
    assert "changed: screenshots/none-banner.png" in changed.output


def test_missing_and_added_files_are_named(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "assen"
    _bundle(history, out)
    (out / "screenshots/none-page.jpg").unlink()
    (out / "extra.html").write_text("<p>added later</p>")
    result = _run("verify", str(out))
    assert result.exit_code == 1
    assert "missing: screenshots/none-page.jpg" in result.output
    assert "not in the manifest: extra.html" in result.output


def test_a_path_without_a_manifest_is_no_bundle(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    for target in (tmp_path, tmp_path / "x.txt", tmp_path / "nowhere"):
        result = _run("verify", str(target))
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output


# -- signing ------------------------------------------------------------------------------


def test_a_signed_bundle_verifies_with_the_signers_key_and_fails_when_tampered(
    history: Path, tmp_path: Path
) -> None:
    private, public = _key(tmp_path)
    out = tmp_path / "signed.zip"
    written = _bundle(history, out, "--sign-key", str(private))
    assert "signed with Ed25519 key SHA-256" in written.stderr
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read(MANIFEST))
    assert {SIGNATURE, PUBLIC_KEY} <= names
    assert manifest["signature"]["algorithm"] == "Ed25519"

    good = _run("verify", str(out), "--public-key", str(public))
    assert good.exit_code == 0, good.output
    assert "signature valid" in good.output and "the given public key" in good.output
    inside = _run("verify", str(out))  # the key in the bundle: said to prove little
    assert inside.exit_code == 0 and "key inside the bundle" in inside.output

    _, stranger = _key(tmp_path, "stranger")
    other = _run("verify", str(out), "--public-key", str(stranger))
    assert other.exit_code == 1 and f"signature: {SIGNATURE} does not match" in other.output

    # A forger changes a file and writes its new hash into the manifest: every hash
    # matches again, only the signature catches it.
    with zipfile.ZipFile(out) as zf:
        report = zf.read("report.html")
    forged_report = report.replace(b"Assen", b"Asten", 1)
    manifest["files"] = [
        {**f, "sha256": hashlib.sha256(forged_report).hexdigest()}
        if f["path"] == "report.html"
        else f
        for f in manifest["files"]
    ]
    _rewrite_zip(out, "report.html", forged_report)
    _rewrite_zip(out, MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    forged = _run("verify", str(out), "--public-key", str(public))
    assert forged.exit_code == 1, forged.output
    assert "changed: " not in forged.output  # the hashes were made to match
    assert f"signature: {SIGNATURE} does not match" in forged.output


def test_a_changed_signature_byte_fails(history: Path, tmp_path: Path) -> None:
    private, public = _key(tmp_path)
    out = tmp_path / "signed"
    _bundle(history, out, "--sign-key", str(private))
    _flip_one_byte(out / SIGNATURE, offset=10)
    result = _run("verify", str(out), "--public-key", str(public))
    assert result.exit_code == 1 and "does not match" in result.output


def test_a_key_that_is_not_ed25519_is_a_usage_error(history: Path, tmp_path: Path) -> None:
    rsa = tmp_path / "rsa.pem"
    rsa.write_bytes(
        generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    for key, message in ((rsa, "not an Ed25519 key"), (tmp_path / "none.pem", "cannot read")):
        result = _run(
            "evidence", "latest", "Assen", "--db", str(history), "--out",
            str(tmp_path / "b"), "--sign-key", str(key),
        )  # fmt: skip
        assert result.exit_code == 2 and message in result.output
        assert not (tmp_path / "b").exists()


@pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("jq") is None, reason="needs openssl and jq"
)
def test_standard_tools_verify_a_bundle_as_the_readme_says(history: Path, tmp_path: Path) -> None:
    """The README's commands, run as written: openssl makes the key and checks the
    signature and its fingerprint, sha256sum the files."""
    text = README.read_text("utf-8")
    section = text.split("### Evidence bundles", 1)[1].split("\n### ", 1)[0]
    commands = section.split("```sh", 2)[2].split("```", 1)[0]
    key = tmp_path / "key.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True)
    out = tmp_path / "bundle"
    written = _bundle(history, out, "--sign-key", str(key))
    fingerprint = written.stderr.split("key SHA-256 ")[1].split()[0]
    signer = tmp_path / "signer.pub.pem"
    subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(signer)], check=True)
    commands = commands.replace("signer.pub.pem", str(signer))
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands],
        cwd=out,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Signature Verified Successfully" in run.stdout
    assert fingerprint in run.stdout
    assert run.stdout.count(": OK") == 5  # report, site.json, 2 screenshots, the key

    _flip_one_byte(out / "site.json", offset=40)
    tampered = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands],
        cwd=out,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert tampered.returncode != 0
    assert "site.json: FAILED" in tampered.stdout
