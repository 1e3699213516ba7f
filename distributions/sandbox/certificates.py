"""The certificates viewers are shown for alternate domain names, as ACM or IAM would hold them.

- ``create_self_signed`` and ``import_certificate`` are the reference page's
  "create and import a self-signed certificate" and "import a certificate from a
  third-party certificate authority": they store a ``SimulatedCertificate`` whose ARN
  or IAM ID a ViewerCertificate can name.
- ``ensure_sandbox_certificate``: the sandbox's own ACM certificate, signed by the
  local CA (``ca.py``) so that ``curl --cacert .edge/ca.pem`` trusts it.

A ViewerCertificate naming an ARN or ID the simulator does not hold (copied from a
real account, say) has no certificate at the sandbox edge: viewers asking for
those aliases over HTTPS fail the TLS handshake.
"""

import re
import secrets
import string
import uuid

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db.models import Q

from .. import access
from ..cloudfront import public_suffixes
from . import ca
from .models import CertificateSource, SimulatedCertificate

SUPPORTED_CURVES = ("secp256r1", "secp384r1")
RSA_SIZES = (1024, 2048, 3072, 4096)

_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class CertificateError(Exception):
    """A certificate the sandbox refuses, with the error code ACM would use."""

    def __init__(self, message, code="ValidationException"):
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- names


def normalize_domain_name(name):
    """``name`` lower-cased, or CertificateError when it cannot be a certificate's DNS name."""
    if not isinstance(name, str):
        raise CertificateError(f"{name!r} is not a domain name.")
    value = name.strip().lower().rstrip(".")
    labels = value.split(".")
    if len(value) > 253 or len(labels) < 2:
        raise CertificateError(f"{name!r} is not a fully qualified domain name (such as www.example.com).")
    if labels[0] == "*":
        labels = labels[1:]
        if len(labels) < 2 or public_suffixes.is_public_suffix(".".join(labels)):
            raise CertificateError(
                f"{name!r}: a wildcard covers one label under a registered domain, such as *.example.com; "
                f"{'.'.join(labels)!r} is a public suffix, under which anyone may register a domain."
            )
    if not all(_DNS_LABEL.match(label) for label in labels):
        raise CertificateError(
            f"{name!r} is not a valid domain name: use letters, digits and hyphens, and a wildcard only "
            "as the whole leftmost label (*.example.com)."
        )
    return value


# ---------------------------------------------------------------- simulated certificates (ACM / IAM)


def _new_iam_id():
    alphabet = string.ascii_uppercase + string.digits
    return "ASCA" + "".join(secrets.choice(alphabet) for _ in range(17))


def _new_arn():
    account = settings.CONSOLE_SIMULATOR_ACCOUNT_ID
    return f"arn:aws:acm:us-east-1:{account}:certificate/{uuid.uuid4()}"


def _names_of(cert):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [n.lower() for n in san.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        names = []
    if not names:
        names = [a.value.lower() for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return list(dict.fromkeys(names))


def _store(cert, cert_pem, key_pem, chain_pem, source, arn=None):
    fields = {
        "domain_names": _names_of(cert),
        "certificate_pem": cert_pem,
        "private_key_pem": key_pem,
        "chain_pem": chain_pem or "",
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "source": source,
    }
    if arn is not None:
        row, _ = SimulatedCertificate.objects.update_or_create(
            arn=arn, defaults=fields, create_defaults={**fields, "iam_certificate_id": _new_iam_id()}
        )
        return row
    return SimulatedCertificate.objects.create(arn=_new_arn(), iam_certificate_id=_new_iam_id(), **fields)


def create_self_signed(domain_names, days=ca.LEAF_DAYS):
    """Create and keep a self-signed certificate for ``domain_names`` (the reference page's
    third option) and return its ``SimulatedCertificate``.

    Viewers do not trust it unless told to (``curl --cacert`` with the certificate itself),
    exactly as with a self-signed certificate imported into ACM.
    """
    names = list(dict.fromkeys(normalize_domain_name(n) for n in domain_names))
    if not names:
        raise CertificateError("Name at least one domain name for the certificate.")
    if len(names) > 100:
        raise CertificateError("A certificate for CloudFront can name at most 100 domain names.")
    key = ca.new_key()
    cert = ca.sign_certificate(names, key, None, key, days=days)
    return _store(cert, ca.cert_pem(cert), ca.key_pem(key), "", CertificateSource.SELF_SIGNED)


def _text(value, what):
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            raise CertificateError(f"The {what} is not PEM text (is it DER? convert it with openssl).") from None
    if not isinstance(value, str):
        raise CertificateError(f"The {what} must be PEM text.")
    return value


def _check_key_type(public_key, what):
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size not in RSA_SIZES:
            raise CertificateError(
                f"The {what} uses a {public_key.key_size}-bit RSA key; use RSA 1024, 2048, 3072 or 4096 bits."
            )
        return
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in SUPPORTED_CURVES:
            raise CertificateError(f"The {what} uses the curve {public_key.curve.name}; use ECDSA P-256 or P-384.")
        return
    raise CertificateError(f"The {what} uses a key type CloudFront does not support; use RSA or ECDSA (P-256, P-384).")


def _same_key(cert, key):
    def numbers(public_key):
        return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    return numbers(cert.public_key()) == numbers(key.public_key())


def _signed_by(cert, issuer):
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def _chain(cert, chain_pem):
    """The chain as PEM text, issuer first; CertificateError unless its first certificate signed ``cert``."""
    chain_text = _text(chain_pem, "certificate chain")
    try:
        chain = x509.load_pem_x509_certificates(chain_text.encode())
    except ValueError:
        raise CertificateError("The certificate chain is not a list of PEM-encoded X.509 certificates.") from None
    if not _signed_by(cert, chain[0]):
        raise CertificateError(
            "The first certificate of the chain did not sign the certificate; list the issuer first."
        )
    return "".join(ca.cert_pem(c) for c in chain)


def import_certificate(cert_pem, key_pem, chain_pem=None, source=None):
    """Validate and keep an existing certificate, its private key and optional chain, as
    ACM's ImportCertificate would; return its ``SimulatedCertificate``.

    Raises CertificateError with a message saying what is wrong: not PEM, several
    certificates where one is expected, an encrypted or mismatched key, an expired
    certificate, an unsupported key type, a chain that does not sign it.
    """
    cert_text = _text(cert_pem, "certificate")
    key_text = _text(key_pem, "private key")
    try:
        certs = x509.load_pem_x509_certificates(cert_text.encode())
    except ValueError:
        raise CertificateError(
            "The certificate is not a PEM-encoded X.509 certificate (-----BEGIN CERTIFICATE-----)."
        ) from None
    if len(certs) != 1:
        raise CertificateError(
            f"The certificate file holds {len(certs)} certificates; put only the server certificate in it "
            "and the intermediate certificates in the chain."
        )
    cert = certs[0]
    if "PRIVATE KEY" not in key_text:
        raise CertificateError("The private key is not a PEM-encoded private key (-----BEGIN PRIVATE KEY-----).")
    try:
        key = serialization.load_pem_private_key(key_text.encode(), password=None)
    except TypeError:
        raise CertificateError("The private key is encrypted; import it without a passphrase.") from None
    except ValueError:
        raise CertificateError(
            "The private key is not a PEM-encoded private key (-----BEGIN PRIVATE KEY-----)."
        ) from None
    _check_key_type(cert.public_key(), "certificate")
    if not _same_key(cert, key):
        raise CertificateError("The private key does not match the certificate's public key.")
    now = ca.now()
    if cert.not_valid_after_utc <= now:
        raise CertificateError(f"The certificate expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC.")
    if cert.not_valid_before_utc > now:
        raise CertificateError(f"The certificate is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC.")
    if not _names_of(cert):
        raise CertificateError(
            "The certificate names no domain: it has no subjectAltName DNS names and no common name."
        )
    for name in _names_of(cert):
        # The names create_certificate accepts, and no other: a certificate for "*" or "*.com"
        # would otherwise cover every alias.
        normalize_domain_name(name)
    chain_text = _chain(cert, chain_pem) if chain_pem else ""
    if source is None:
        self_signed = cert.issuer == cert.subject and _signed_by(cert, cert)
        source = CertificateSource.SELF_SIGNED if self_signed else CertificateSource.IMPORTED
    return _store(cert, ca.cert_pem(cert), ca.key_pem(key), chain_text, source)


def find_certificate(identifier):
    """The SimulatedCertificate an ``ACMCertificateArn`` or ``IAMCertificateId`` names, or None."""
    if not identifier:
        return None
    return SimulatedCertificate.objects.filter(Q(arn=identifier) | Q(iam_certificate_id=identifier)).first()


def ensure_sandbox_certificate(arn, domain_names):
    """The sandbox's own ACM certificate for ``arn``, signed by the local CA (re-issued when
    the CA changed or it nears expiry) so that ``curl --cacert .edge/ca.pem`` trusts it."""
    row = SimulatedCertificate.objects.filter(arn=arn).first()
    names = [normalize_domain_name(n) for n in domain_names]
    if row is not None and set(row.domain_names) == set(names) and ca.issued_by_local_ca(row.certificate_pem):
        return row
    cert_pem, key_pem, chain_pem = ca.issue(names)
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return _store(cert, cert_pem, key_pem, chain_pem, CertificateSource.SANDBOX, arn=arn)


def renew_sandbox_certificates():
    """Re-issue every sandbox certificate not signed by the current CA (say, after ``.edge/`` was removed)."""
    for row in SimulatedCertificate.objects.filter(source=CertificateSource.SANDBOX):
        ensure_sandbox_certificate(row.arn, row.domain_names)


def visible_certificates(user):
    """The certificates ``user`` may list and choose: their teams' and the shared ones (no team); all for
    an Admin. Another team's certificates are answered for as certificates that do not exist."""
    certificates = SimulatedCertificate.objects.all()
    if access.is_admin(user):
        return certificates
    return certificates.filter(Q(teams=None) | Q(teams__members=user)).distinct()
