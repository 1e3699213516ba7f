"""The sandbox's local certificate authority and the certificates it signs.

The CA is made once, with ``cryptography``, and kept in the edge state directory
(``CONSOLE_EDGE_STATE_DIR``, default ``<project>/.edge/``) as ``ca.pem`` and
``ca-key.pem`` (private). Viewers trust the sandbox edge with
``curl --cacert .edge/ca.pem``. It signs ``*.cloudfront.net`` (the default
certificate), the local origin's certificate and the sandbox's own ACM
certificate. Keys are ECDSA P-256: quick to make, accepted by every client.
"""

import contextlib
import datetime
import fcntl
import ipaddress
import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "CloudFront Sandbox Local CA"
CLOUDFRONT_NAMES = ("*.cloudfront.net",)
LOCAL_ORIGIN_NAMES = ("localhost", "127.0.0.1", "::1")
LEAF_DAYS = 397  # the longest validity browsers accept for a server certificate
RENEW_BEFORE = datetime.timedelta(days=30)


def state_dir():
    """Where the edge keeps its CA and certificates (created on first use, private)."""
    from django.conf import settings

    path = Path(getattr(settings, "CONSOLE_EDGE_STATE_DIR", Path(settings.BASE_DIR) / ".edge"))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(directory):
    """Serialize CA and certificate creation between processes (runedge, load_sandbox, tests)."""
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path, data, mode=0o644):
    """Write atomically: readers see the old file or the new one, never half of one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def now():
    return datetime.datetime.now(datetime.UTC)


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def ca_certificate_path():
    """The CA certificate viewers pass to ``curl --cacert``; the CA is made on first use."""
    load_ca()
    return state_dir() / "ca.pem"


def load_ca():
    """(certificate, private key) of the local CA, creating it the first time."""
    directory = state_dir()
    cert_path, key_path = directory / "ca.pem", directory / "ca-key.pem"
    with _locked(directory):
        if not (cert_path.exists() and key_path.exists()):
            key = new_key()
            name = x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cloudfront-https-console sandbox"),
                ]
            )
            moment = now()
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(moment - datetime.timedelta(minutes=5))
                .not_valid_after(moment + datetime.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=True,
                        key_cert_sign=True,
                        crl_sign=True,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256())
            )
            _write(key_path, key_pem(key).encode(), 0o600)
            _write(cert_path, cert_pem(cert).encode())
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return cert, key


def _san(names):
    entries = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def sign_certificate(names, key, issuer_cert, issuer_key, days=LEAF_DAYS):
    """A server certificate for ``names`` (DNS names or IP addresses) and ``key``; self-signed
    when ``issuer_cert`` is None (then ``issuer_key`` is ``key``)."""
    moment = now()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - datetime.timedelta(minutes=5))
        .not_valid_after(moment + datetime.timedelta(days=days))
        .add_extension(_san(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def issue(domain_names):
    """(certificate PEM, key PEM, chain PEM) for ``domain_names``, signed by the local CA."""
    ca_cert, ca_key = load_ca()
    key = new_key()
    cert = sign_certificate(list(domain_names), key, ca_cert, ca_key)
    return cert_pem(cert), key_pem(key), cert_pem(ca_cert)


def issued_by_local_ca(pem):
    """True when the certificate ``pem`` was signed by the current local CA and is not about to expire."""
    ca_cert, _ = load_ca()
    try:
        cert = x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return cert.not_valid_after_utc - now() > RENEW_BEFORE


def _issued_files(name, domain_names):
    """(certificate chain path, key path) of a CA-signed certificate kept in the state directory."""
    directory = state_dir()
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}-key.pem"
    current = cert_path.exists() and key_path.exists() and issued_by_local_ca(cert_path.read_text())
    if not current:
        certificate, key, chain = issue(domain_names)
        with _locked(directory):
            _write(key_path, key.encode(), 0o600)
            _write(cert_path, (certificate + chain).encode())
    return cert_path, key_path


def cloudfront_certificate_files():
    """The default certificate, ``*.cloudfront.net``, as (chain path, key path)."""
    return _issued_files("cloudfront", list(CLOUDFRONT_NAMES))


def local_origin_certificate_files():
    """The sandbox's local origin certificate (localhost, 127.0.0.1, ::1) as (chain path, key path)."""
    return _issued_files("local-origin", list(LOCAL_ORIGIN_NAMES))
