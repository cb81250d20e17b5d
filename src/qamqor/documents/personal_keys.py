"""Personal digital-signature keys (ЭЦҚ / ЭЦП) of the sandbox, and the check of a signed sign-in
challenge (decision 0028).

On egov.kz a person proves who they are by signing a server's challenge with the authentication key
the National Certification Authority (NCA, pki.gov.kz) issued them, held in a PKCS#12 container that
NCALayer opens on their own computer; the certificate's subject names them by
`SERIALNUMBER=IIN<12 digits>`. This system has no link to the NCA. In the sandbox (demo mode only,
`QAMQOR_DOCUMENTS["SANDBOX_CA"]`, refused in production) a sandbox "NCA" kept in the data folder next
to the documents' sandbox CA issues the same kind of certificate to a demo recipient, on first use.

`verify_challenge_signature` is the check either way: a CMS (PKCS#7) SignedData over the challenge,
validated by pyHanko (digest, signature and the certificate path to the sandbox NCA at the moment
given, key usage for client authentication), with the certificate's IIN read from its subject.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms, pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from qamqor.documents.signing import config, outside_event_loop
from qamqor.documents.signing import write_once as _write  # the same atomic create
from qamqor.rules.iin import InvalidIin, validate_iin

# The demo containers' password, shown on the sign-in page: a demo key is public by design (it signs
# nobody in outside demo mode); a real key and its password never leave their owner.
DEMO_CONTAINER_PASSWORD = "qamqor-demo-key"  # nosec B105  # demo keys only, shown on the demo page
CERTIFICATE_YEARS = 1  # NCA's personal certificates are issued for a year (pki.gov.kz); ours alike
MAX_SIGNATURE_BYTES = 64 * 1024  # a CMS signature with a two-certificate chain is ~3 KB
SIGN_IN_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature"}, extd_key_usage={"client_auth"})


class SignatureRefused(ValueError):
    """The signature does not sign this person in. `reason` is for the log only: the person is told
    one thing whatever it is (no probing of keys or of who is registered)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Signer:
    iin: str
    name: str
    serial: str  # the certificate's serial number, hex
    sha256: str  # the certificate's fingerprint


def _directory() -> Path:
    return Path(config()["SIGNING_DIR"]) / "nca"


def sandbox_on() -> bool:
    return bool(config()["SANDBOX_CA"])


# --- the sandbox NCA --------------------------------------------------------------------------------
def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def sandbox_nca() -> tuple[Path, Path]:
    """(key, certificate) paths of the sandbox NCA, made on first use."""
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / "nca-ca.key.pem", directory / "nca-ca.cert.pem"
    if not cert_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Qamqor sandbox (not the NCA of Kazakhstan)"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Qamqor sandbox national certification authority"),
            ]
        )
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * 20))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )  # fmt: skip
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        _write(key_path, _pem_key(key))
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _nca():
    key_path, cert_path = sandbox_nca()
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    return key, x509.load_pem_x509_certificate(cert_path.read_bytes())


def subject_of(iin: str, surname: str, given_name: str) -> x509.Name:
    """A personal certificate's subject as the NCA writes it: CN the name, SERIALNUMBER=IIN…."""
    common = f"{surname} {given_name}".strip() or iin
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if surname:
        attrs.append(x509.NameAttribute(NameOID.SURNAME, surname))
    attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"))
    attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"))
    if given_name:
        attrs.append(x509.NameAttribute(NameOID.GIVEN_NAME, given_name))
    return x509.Name(attrs)


def issue_personal_certificate(subject: x509.Name, public_key, *, not_before, not_after) -> x509.Certificate:
    """A sandbox-NCA authentication certificate (digital signature, client authentication)."""
    ca_key, ca_cert = _nca()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def demo_container(iin: str, surname: str, given_name: str, *, now: dt.datetime) -> bytes:
    """The PKCS#12 container of a demo person (key and certificate made on first use, kept in the
    data folder), encrypted with `DEMO_CONTAINER_PASSWORD`."""
    if not sandbox_on():
        raise LookupError("no sandbox NCA: personal keys are issued by the NCA, not by this system")
    validate_iin(iin)
    directory = _directory()
    key_path, cert_path = directory / f"person-{iin}.key.pem", directory / f"person-{iin}.cert.pem"
    if cert_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if cert.not_valid_after_utc <= now:  # a demo key past its year: the demo issues a new one
            cert_path.unlink(missing_ok=True)
            key_path.unlink(missing_ok=True)
    if not cert_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = issue_personal_certificate(
            subject_of(iin, surname, given_name),
            key.public_key(),
            not_before=now - dt.timedelta(days=1),
            not_after=now + dt.timedelta(days=365 * CERTIFICATE_YEARS),
        )
        _write(key_path, _pem_key(key))
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    _ca_key, ca_cert = _nca()
    return pkcs12.serialize_key_and_certificates(
        f"IIN{iin}".encode(),
        key,
        cert,
        [ca_cert],
        serialization.BestAvailableEncryption(DEMO_CONTAINER_PASSWORD.encode()),
    )


# --- signing (what NCALayer does on the person's computer) -------------------------------------------
def sign_with_container(container: bytes, password: str, challenge: bytes) -> bytes:
    """A detached CMS signature (DER) of `challenge` with the key in `container`: what NCALayer does
    locally. The sandbox does it on the server for a demo key only (the caller checks the mode)."""
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(container, password.encode())
    except (ValueError, TypeError):
        raise SignatureRefused("container unreadable or wrong password") from None
    if key is None or cert is None:
        raise SignatureRefused("container without a key and certificate")
    if not isinstance(key, rsa.RSAPrivateKey) and not hasattr(key, "curve"):
        raise SignatureRefused("key type not supported")
    builder = pkcs7.PKCS7SignatureBuilder().set_data(challenge).add_signer(cert, key, hashes.SHA256())
    for extra in chain or ():
        builder = builder.add_certificate(extra)
    return builder.sign(
        serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
    )


# --- the check ------------------------------------------------------------------------------------------
def _signed_data(signature: bytes) -> cms.SignedData:
    if not signature or len(signature) > MAX_SIGNATURE_BYTES:
        raise SignatureRefused("empty or oversized signature")
    data = signature
    if pem.detect(data):
        try:
            _kind, _headers, data = pem.unarmor(data)
        except ValueError:
            raise SignatureRefused("bad PEM") from None
    try:
        info = cms.ContentInfo.load(data)
        if info["content_type"].native != "signed_data":
            raise SignatureRefused("not a CMS SignedData")
        signed = info["content"]
        if len(signed["signer_infos"]) != 1:
            raise SignatureRefused("not exactly one signer")
        signed.native  # noqa: B018  # parse it all now: a damaged structure fails here, not later
    except (ValueError, TypeError, KeyError):
        raise SignatureRefused("not a CMS structure") from None
    return signed


def _iin_of(subject: x509.Name) -> str:
    values = subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if len(values) != 1 or not str(values[0].value).startswith("IIN"):
        raise SignatureRefused("no IIN in the certificate's subject")
    iin = str(values[0].value)[3:]
    try:
        validate_iin(iin)
    except InvalidIin:
        raise SignatureRefused("not a valid IIN in the certificate") from None
    return iin


def _trust_root() -> asn1_x509.Certificate:
    _key_path, cert_path = sandbox_nca()
    return asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(cert_path.read_bytes()).public_bytes(serialization.Encoding.DER)
    )


def verify_challenge_signature(signature: bytes, challenge: bytes, *, now: dt.datetime) -> Signer:
    """The person a CMS signature of `challenge` identifies, or `SignatureRefused`: the content is the
    challenge (detached, or carried inside), the digest and the signature hold, the certificate
    chains to the sandbox NCA and is valid at `now`, its key usage allows authentication, and its
    subject carries a valid IIN."""
    if not sandbox_on():
        raise SignatureRefused("no trusted NCA configured")
    signed = _signed_data(signature)
    carried = signed["encap_content_info"]["content"].native
    if carried is not None and carried != challenge:
        raise SignatureRefused("the signed content is not the challenge")
    context = ValidationContext(
        trust_roots=[_trust_root()], moment=now, allow_fetching=False, revocation_mode="soft-fail"
    )
    status = outside_event_loop(
        asyncio.run,
        async_validate_detached_cms(
            challenge, signed, signer_validation_context=context, key_usage_settings=SIGN_IN_KEY_USAGE
        ),
    )
    if not status.intact or not status.valid:
        raise SignatureRefused("the signature does not hold over the challenge")
    if not status.trusted:
        raise SignatureRefused(f"certificate not trusted at this moment: {status.trust_problem_indic}")
    cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    iin = _iin_of(cert.subject)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return Signer(
        iin=iin,
        name=str(names[0].value) if names else "",
        serial=format(cert.serial_number, "x"),
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )
