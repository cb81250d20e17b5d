"""PAdES signatures with pyHanko: one key and certificate per issuing organisation.

Production: `QAMQOR_DOCUMENTS["SIGNING_KEYS"]` maps an organisation code to the paths of its key,
certificate and chain (and the environment variable holding the key's passphrase); the certificates
of the trusted roots are `TRUST_ROOTS`. Sandbox (`SANDBOX_CA`, the default): on first use a test
certificate authority and one key per organisation are made in `SIGNING_DIR` (the data folder,
never committed). The signature covers the whole file; a timestamp is added when `TSA_URL` is set.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps

_lock = threading.Lock()
_signers: dict[tuple, signers.Signer] = {}


def config() -> dict:
    base = {
        "SIGNING_DIR": str(Path(settings.DATA_DIR) / "signing"),
        "SIGNING_KEYS": {},
        "TRUST_ROOTS": [],
        "SANDBOX_CA": True,
        "TSA_URL": None,
    }
    base.update(getattr(settings, "QAMQOR_DOCUMENTS", {}))
    return base


class NoSigningKey(LookupError):
    pass


# --- the sandbox certificate authority ----------------------------------------------------------
def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Qamqor sandbox (not a real signature)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca, content_commitment=not ca, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False,
    )  # fmt: skip


def write_once(path: Path, data: bytes) -> None:
    """Create `path` with `data` unless it exists (another process may be making the same key)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    try:
        os.link(tmp, path)  # atomic; fails if a concurrent writer got there first
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _make_cert(subject, issuer, public_key, issuer_key, *, ca: bool, years: int):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(_key_usage(ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    return builder.sign(issuer_key, hashes.SHA256())


def sandbox_ca(directory: Path) -> tuple[Path, Path]:
    """(key, certificate) of the sandbox CA, made on first use."""
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / "sandbox-ca.key.pem", directory / "sandbox-ca.cert.pem"
    if not cert_path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name("Qamqor sandbox certificate authority")
        cert = _make_cert(name, name, key.public_key(), key, ca=True, years=20)
        write_once(key_path, _pem_key(key))
        write_once(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _safe(code: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in code)


def sandbox_key(directory: Path, organisation: str) -> dict:
    """Key, certificate and chain of `organisation` signed by the sandbox CA, made on first use."""
    ca_key_path, ca_cert_path = sandbox_ca(directory)
    key_path = directory / f"org-{_safe(organisation)}.key.pem"
    cert_path = directory / f"org-{_safe(organisation)}.cert.pem"
    if not cert_path.exists():
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _make_cert(_name(organisation), ca_cert.subject, key.public_key(), ca_key, ca=False, years=5)
        write_once(key_path, _pem_key(key))
        write_once(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return {"key": str(key_path), "cert": str(cert_path), "chain": [str(ca_cert_path)]}


# --- signing --------------------------------------------------------------------------------------
def key_paths(organisation: str) -> dict:
    cfg = config()
    configured = cfg["SIGNING_KEYS"].get(organisation)
    if configured:
        return configured
    if cfg["SANDBOX_CA"]:
        return sandbox_key(Path(cfg["SIGNING_DIR"]), organisation)
    raise NoSigningKey(f"no signing key configured for organisation {organisation!r}")


def signer_for(organisation: str) -> signers.Signer:
    paths = key_paths(organisation)
    cache_key = (organisation, paths["key"], paths["cert"])
    with _lock:
        found = _signers.get(cache_key)
        if found is None:
            passphrase = os.environ.get(paths["passphrase_env"], "") if paths.get("passphrase_env") else ""
            found = signers.SimpleSigner.load(
                paths["key"], paths["cert"], ca_chain_files=tuple(paths.get("chain", ())),
                key_passphrase=passphrase.encode() or None,
            )  # fmt: skip
            if found is None:
                raise NoSigningKey(f"the key or certificate of {organisation!r} cannot be read")
            _signers[cache_key] = found
        return found


_roots: dict[tuple, list] = {}


def trust_roots() -> list:
    """The certificates a signature must chain to: TRUST_ROOTS, and the sandbox CA when it is on."""
    cfg = config()
    paths = list(cfg["TRUST_ROOTS"])
    if cfg["SANDBOX_CA"]:
        paths.append(str(sandbox_ca(Path(cfg["SIGNING_DIR"]))[1]))
    key = tuple(paths)
    if key not in _roots:
        _roots[key] = [load_cert_from_pemder(p) for p in paths]
    return _roots[key]


def _reserve(signer: signers.Signer, tsa: str | None) -> int:
    certificates = [signer.signing_cert, *signer.cert_registry]
    # measured: ECDSA P-256 with a two-certificate chain needs 3.4 KB (certificates 1.1 KB)
    size = 2 * sum(len(c.dump()) for c in certificates if c is not None) + 4096
    return size + (16384 if tsa else 0)  # a timestamp token carries the authority's chain


def sign(pdf: bytes, organisation: str, *, reason: str | None = None) -> bytes:
    """`pdf` signed PAdES (B-B, or B-T with a timestamp when a TSA is configured) by `organisation`."""
    tsa = config()["TSA_URL"]
    meta = signers.PdfSignatureMetadata(
        field_name="Signature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer=signer_for(organisation), timestamper=timestamps.HTTPTimeStamper(tsa) if tsa else None
    )
    # room for the signature container given up front: otherwise pyHanko signs once more with a
    # dummy key to measure it (a third of the signing time). Sized to the certificates it carries
    # plus a margin for the signature and attributes: every reserved byte is written as two hex
    # digits that each verification reads back one by one.
    reserve = config().get("SIGNATURE_BYTES_RESERVED") or _reserve(pdf_signer.signer, tsa)
    out = outside_event_loop(
        pdf_signer.sign_pdf,
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        output=io.BytesIO(),
        bytes_reserved=reserve,
    )
    return out.getvalue()


def outside_event_loop(fn, *args, **kwargs):
    """`fn(*args, **kwargs)` for pyHanko's synchronous calls, which run their own `asyncio.run`: in a
    thread of its own when this thread already runs an event loop (an ASGI server, a browser-driving
    test), directly otherwise."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
