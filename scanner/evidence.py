"""Evidence bundles: one site of one scan as files a supervisor can check on their own.

A bundle is a directory or a ZIP file holding the site's JSON document, its
screenshots, each visitor's HTTP Archive, its report and ``manifest.json``: the
SHA-256 and size of every other file, the versions of the tool, the browser and the
knowledge lists, the options, and when the scan and the site's visit started and
ended. :func:`verify_bundle` recomputes
every hash and names each file that changed, is missing or was added.

The manifest can be signed with an Ed25519 key the user gives (``cryptography``):
``manifest.json.sig`` is the raw 64-byte detached signature of ``manifest.json``'s
bytes, and ``signing-key.pub.pem`` the public key (SubjectPublicKeyInfo PEM), so that
``openssl pkeyutl -verify -rawin`` checks it without privacyscan (README,
"Evidence bundles"). Signing the manifest signs every file, by its hash.

Pure file work: the caller (``scanner.app``) renders the report and gives its bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import serialize
from .errors import ConfigError
from .models import SCHEMA_VERSION, Scan, SiteResult

__all__ = [
    "BUNDLE_FORMAT",
    "MANIFEST",
    "PUBLIC_KEY",
    "SIGNATURE",
    "BundleFile",
    "Verification",
    "build_manifest",
    "key_fingerprint",
    "load_signing_key",
    "public_key_file",
    "screenshot_files",
    "verify_bundle",
    "write_bundle",
]

BUNDLE_FORMAT = "privacyscan-evidence"
BUNDLE_FORMAT_VERSION = 1
"""``manifest.json``'s ``format`` and ``format_version`` (docs/schema.md)."""
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
PUBLIC_KEY = "signing-key.pub.pem"
PASSPHRASE_ENV = "PRIVACYSCAN_SIGN_PASSPHRASE"
"""The passphrase of an encrypted signing key, when it has one."""
_OUTSIDE_MANIFEST = frozenset({MANIFEST, SIGNATURE})
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every ZIP entry's time: the bundle's bytes depend on its content only."""


@dataclass(frozen=True, slots=True)
class BundleFile:
    """One file of a bundle: its path inside the bundle (``/``-separated) and bytes."""

    path: str
    data: bytes
    kind: str
    """``site-json``, ``report-html``, ``report-pdf``, ``screenshot``, ``har``, ``public-key``."""


@dataclass(frozen=True, slots=True)
class Verification:
    """What :func:`verify_bundle` found."""

    files: int
    """Files the manifest lists."""
    problems: tuple[str, ...]
    """One line per problem: a file changed, missing or not in the manifest, a bad
    signature. Empty when the bundle is intact."""
    manifest_sha256: str
    """SHA-256 of ``manifest.json`` (compare with the one printed when it was written)."""
    signature: str
    """``none`` (not signed), ``valid`` or ``invalid``."""
    key_fingerprint: str | None = None
    """SHA-256 of the public key the signature was checked with (DER, hex)."""
    key_from_bundle: bool = False
    """The signature was checked with the key inside the bundle (no ``--public-key``):
    it proves that nothing changed after signing only to whoever knows that key."""
    scan_id: str = ""
    site: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- writing ------------------------------------------------------------------------


def screenshot_files(result: SiteResult) -> list[BundleFile]:
    """The site's screenshots as image files ``screenshots/<phase>-<label>.<ext>``."""
    files: list[BundleFile] = []
    used: set[str] = set()
    for shot in result.screenshots:
        try:
            data = base64.b64decode(shot.data, validate=True)
        except (binascii.Error, ValueError):
            continue  # not an image we can write; the JSON still holds it as recorded
        ext = _EXTENSIONS.get(shot.mime, "bin")
        stem = f"screenshots/{shot.phase.value}-{_safe(shot.label)}"
        path, n = f"{stem}.{ext}", 1
        while path in used:
            n += 1
            path = f"{stem}-{n}.{ext}"
        used.add(path)
        files.append(BundleFile(path, data, "screenshot"))
    return files


def _safe(label: str) -> str:
    kept = "".join(c if c.isalnum() or c in "-_" else "-" for c in label.lower())
    return kept.strip("-") or "screenshot"


def build_manifest(
    scan: Scan,
    result: SiteResult,
    files: Sequence[BundleFile],
    *,
    created_at: str,
    bundled_by: str,
    lang: str,
    public_key: Ed25519PublicKey | None = None,
) -> dict[str, Any]:
    """``manifest.json`` of a bundle of ``files`` (every file but the manifest and its
    signature), for ``result`` of ``scan``."""
    manifest: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
        "created_at": created_at,
        "bundled_by": bundled_by,
        "lang": lang,
        "scan": {
            "id": scan.id,
            "started_at": scan.started_at,
            "finished_at": scan.finished_at,
            "tool_version": scan.tool_version,
            "browser": scan.browser,
            "options": serialize.to_dict(scan.options),
            "lists": serialize.to_dict(scan.lists),
        },
        "site": {
            "name": result.site.name,
            "url": result.site.url,
            "province": result.site.province,
            "code": result.site.code,
            "status": result.status.value,
            "started_at": result.started_at,
            "finished_at": result.finished_at,
        },
        "files": [
            {"path": f.path, "kind": f.kind, "sha256": _sha256(f.data), "size": len(f.data)}
            for f in files
        ],
        "signature": None,
    }
    if public_key is not None:
        manifest["signature"] = {
            "algorithm": "Ed25519",
            "file": SIGNATURE,
            "public_key": PUBLIC_KEY,
            "public_key_sha256": key_fingerprint(public_key),
        }
    return manifest


def public_key_file(key: Ed25519PublicKey) -> BundleFile:
    """The public key as the bundle carries it (PEM SubjectPublicKeyInfo)."""
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return BundleFile(PUBLIC_KEY, pem, "public-key")


def key_fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the public key's DER SubjectPublicKeyInfo; ``openssl pkey -pubin
    -outform DER | sha256sum`` prints the same."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _sha256(der)


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in the PEM file ``path`` (``openssl genpkey -algorithm
    ed25519``); an encrypted one with the passphrase in ``$PRIVACYSCAN_SIGN_PASSPHRASE``.
    Anything else is a ``ConfigError`` that says why."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the signing key {path}: {exc.strerror}") from None
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        key = serialization.load_pem_private_key(
            data, password=passphrase.encode() if passphrase else None
        )
    except TypeError:
        raise ConfigError(
            f"the signing key {path} is encrypted: set {PASSPHRASE_ENV} to its passphrase"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(
            f"{path} is not a PEM private key privacyscan can read (make one with "
            "'openssl genpkey -algorithm ed25519 -out key.pem'), or the passphrase is wrong"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"the signing key {path} is not an Ed25519 key")
    return key


def write_bundle(
    out: Path, files: Sequence[BundleFile], manifest: dict[str, Any], key: Ed25519PrivateKey | None
) -> str:
    """Write ``files``, ``manifest.json`` and (with ``key``) its signature to ``out``: a
    ZIP file when its name ends in ``.zip``, else a new or empty directory. Returns the
    manifest's SHA-256. An existing ZIP file or a directory with files is a
    ``ConfigError``: a bundle is never mixed with other files."""
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    entries = [*((f.path, f.data) for f in files), (MANIFEST, manifest_bytes)]
    if key is not None:
        entries.append((SIGNATURE, key.sign(manifest_bytes)))
    for path, _ in entries:
        _check_path(path)
    if out.suffix.lower() == ".zip":
        _write_zip(out, entries)
    else:
        _write_dir(out, entries)
    return _sha256(manifest_bytes)


def _check_path(path: str) -> None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or not pure.parts:
        raise AssertionError(f"not a bundle path: {path!r}")  # our own names only


def _write_zip(out: Path, entries: list[tuple[str, bytes]]) -> None:
    if out.exists():
        raise ConfigError(f"{out} exists; an evidence bundle is never overwritten")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as zf:
            for path, data in entries:
                info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_dir(out: Path, entries: list[tuple[str, bytes]]) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(
            f"{out} exists and is not an empty directory; an evidence bundle is written "
            "to a new directory or a .zip file"
        )
    out.mkdir(parents=True, exist_ok=True)
    for path, data in entries:
        target = out.joinpath(*PurePosixPath(path).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


# -- verifying ----------------------------------------------------------------------


def _read_bundle(bundle: Path) -> dict[str, bytes]:
    """Every file of the bundle by its ``/``-separated path."""
    if bundle.is_dir():
        try:
            return {
                p.relative_to(bundle).as_posix(): p.read_bytes()
                for p in sorted(bundle.rglob("*"))
                if p.is_file()
            }
        except OSError as exc:
            raise ConfigError(f"cannot read the bundle {bundle}: {exc}") from None
    if not bundle.exists():
        raise ConfigError(f"{bundle}: no such file or directory")
    try:
        with zipfile.ZipFile(bundle) as zf:
            files: dict[str, bytes] = {}
            for info in zf.infolist():
                if info.is_dir():
                    continue
                if info.filename in files:  # a second entry of one name could hide a change
                    files[info.filename + " (again)"] = zf.read(info)
                else:
                    files[info.filename] = zf.read(info)
            return files
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConfigError(f"{bundle} is neither a directory nor a ZIP file: {exc}") from None


def verify_bundle(bundle: Path, public_key: Path | None = None) -> Verification:
    """Recompute every hash of the bundle at ``bundle`` (a directory or a ZIP file) and
    check the signature: with ``public_key`` (a PEM file) when given, else with the key
    inside the bundle. A path that holds no ``manifest.json`` is a ``ConfigError``."""
    trusted = _load_public_key(public_key) if public_key is not None else None
    files = _read_bundle(bundle)
    if MANIFEST not in files:
        raise ConfigError(f"{bundle} is not an evidence bundle: it has no {MANIFEST}")
    manifest_bytes = files[MANIFEST]
    digest = _sha256(manifest_bytes)
    try:
        manifest = json.loads(manifest_bytes)
        if not isinstance(manifest, dict):
            raise TypeError("not a JSON object")
        listed = {str(f["path"]): (str(f["sha256"]), int(f["size"])) for f in manifest["files"]}
    except (ValueError, TypeError, KeyError) as exc:
        return Verification(0, (f"{MANIFEST} is damaged: {exc}",), digest, "invalid")

    problems: list[str] = []
    if manifest.get("format") != BUNDLE_FORMAT:
        problems.append(f"{MANIFEST} is not a {BUNDLE_FORMAT} manifest")
    for path, (expected, size) in listed.items():
        if path not in files:
            problems.append(f"missing: {path}")
        elif _sha256(files[path]) != expected or len(files[path]) != size:
            problems.append(
                f"changed: {path} (SHA-256 {_sha256(files[path])}, manifest says {expected})"
            )
    signature_info = _object(manifest.get("signature"))
    if manifest.get("signature") is not None and not signature_info:
        problems.append(f"{MANIFEST} is damaged: its signature is not an object")
    for path in sorted(files.keys() - listed.keys() - _OUTSIDE_MANIFEST):
        problems.append(f"not in the manifest: {path}")
    if SIGNATURE in files and not signature_info:
        problems.append(f"not in the manifest: {SIGNATURE} (the manifest says it is unsigned)")

    signature, fingerprint, from_bundle = "none", None, False
    if signature_info or trusted is not None:
        key = trusted
        if key is None:
            from_bundle = True
            key_path = str(signature_info.get("public_key", PUBLIC_KEY))
            try:
                key = _public_key(files[key_path])
            except (KeyError, ConfigError):
                problems.append(f"signature: no readable public key {key_path} in the bundle")
        if key is not None:
            fingerprint = key_fingerprint(key)
            signature = "invalid"
            if SIGNATURE not in files:
                problems.append(f"signature: {SIGNATURE} is missing")
            else:
                try:
                    key.verify(files[SIGNATURE], manifest_bytes)
                    signature = "valid"
                except InvalidSignature:
                    problems.append(
                        f"signature: {SIGNATURE} does not match {MANIFEST} and the key "
                        f"SHA-256 {fingerprint}"
                    )
    site, scan = _object(manifest.get("site")), _object(manifest.get("scan"))
    return Verification(
        files=len(listed),
        problems=tuple(problems),
        manifest_sha256=digest,
        signature=signature,
        key_fingerprint=fingerprint,
        key_from_bundle=from_bundle,
        scan_id=str(scan.get("id", "")),
        site=str(site.get("name", "")),
    )


def _object(value: Any) -> dict[str, Any]:
    """A JSON object of the manifest, or ``{}`` for anything else (absent, damaged)."""
    return value if isinstance(value, dict) else {}


def _public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError("not an Ed25519 public key")
    return key


def _load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the public key {path}: {exc.strerror}") from None
    try:
        return _public_key(data)
    except ConfigError as exc:
        raise ConfigError(
            f"{path}: {exc} (make it with 'openssl pkey -in key.pem -pubout -out key.pub.pem')"
        ) from None
