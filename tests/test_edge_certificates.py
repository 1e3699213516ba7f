"""Certificates of the sandbox edge: the local CA, self-signed and imported certificates, and their commands."""

import datetime
from io import StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.core.management.base import CommandError

from distributions.cloudfront.certificates import covers
from distributions.sandbox import ca, certificates
from distributions.sandbox.certificates import CertificateError
from distributions.sandbox.models import SimulatedCertificate

SANDBOX_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/8f3c2a1e-5b7d-4e9a-9c61-2d4f7b8e0a13"


@pytest.fixture(autouse=True)
def state_dir(settings, tmp_path):
    settings.CONSOLE_EDGE_STATE_DIR = tmp_path / "edge"
    return settings.CONSOLE_EDGE_STATE_DIR


def pem_pair(names=("www.example.org",), key=None, days=30, issuer=None, not_before_days=-1):
    """A certificate for ``names`` and its key, as PEM; self-signed unless ``issuer`` = (cert, key)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    issuer_cert, issuer_key = issuer or (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=not_before_days))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    )
    cert = builder.sign(issuer_key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem, cert, key


def refused_imports():
    """(certificate, key, chain, message) that ACM's ImportCertificate would refuse."""
    good_cert, good_key, _, _ = pem_pair()
    other_cert, other_key, _, _ = pem_pair()
    expired_cert, expired_key, _, _ = pem_pair(days=-1, not_before_days=-10)
    encrypted = serialization.load_pem_private_key(good_key, None).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    return [
        ("not a cert", good_key, None, "not a PEM-encoded X.509 certificate"),
        (good_cert, b"not a key", None, "not a PEM-encoded private key"),
        (good_cert, encrypted, None, "encrypted"),
        (good_cert, other_key, None, "does not match"),
        (expired_cert, expired_key, None, "expired"),
        (good_cert + other_cert, good_key, None, "holds 2 certificates"),
        (good_cert, good_key, other_cert, "did not sign the certificate"),
        (good_cert, good_key, b"garbage", "chain is not"),
    ]


class TestCovers:
    @pytest.mark.parametrize(
        "names, host, expected",
        [
            (["www.example.com"], "www.example.com", True),
            (["www.example.com"], "WWW.Example.COM", True),
            (["www.example.com"], "example.com", False),
            (["*.example.com"], "www.example.com", True),
            (["*.example.com"], "example.com", False),
            (["*.example.com"], "a.b.example.com", False),  # a wildcard covers one label
            (["*.cloudfront.net"], "d111111abcdef8.cloudfront.net", True),
            (["example.com", "*.example.com"], "example.com", True),
            ([], "example.com", False),
        ],
    )
    def test_it_matches_like_a_tls_client(self, names, host, expected):
        assert covers(names, host) is expected


class TestLocalCA:
    def test_the_ca_is_made_once_and_kept_private(self, state_dir):
        first = ca.ca_certificate_path().read_bytes()
        assert ca.ca_certificate_path().read_bytes() == first
        assert (state_dir / "ca-key.pem").stat().st_mode & 0o077 == 0

    def test_the_default_certificate_covers_cloudfront_names_and_is_signed_by_the_ca(self):
        cert_path, _ = ca.cloudfront_certificate_files()
        assert ca.issued_by_local_ca(cert_path.read_text())
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.DNSName) == ["*.cloudfront.net"]

    def test_a_sandbox_certificate_is_reissued_when_the_ca_changes(self, db, state_dir):
        first = certificates.ensure_sandbox_certificate(SANDBOX_ARN, ["www.example.com", "example.com"])
        assert certificates.ensure_sandbox_certificate(SANDBOX_ARN, ["example.com", "www.example.com"]).pk == first.pk
        for name in ("ca.pem", "ca-key.pem"):
            (state_dir / name).unlink()
        certificates.renew_sandbox_certificates()
        renewed = SimulatedCertificate.objects.get(arn=SANDBOX_ARN)
        assert renewed.certificate_pem != first.certificate_pem
        assert ca.issued_by_local_ca(renewed.certificate_pem)


class TestCreateSelfSigned:
    def test_it_keeps_a_certificate_usable_by_arn_or_iam_id(self, db):
        certificate = certificates.create_self_signed(["www.example.org", "*.static.example.org"])
        assert certificate.arn.startswith("arn:aws:acm:us-east-1:123456789012:certificate/")
        assert certificate.iam_certificate_id.startswith("ASCA") and len(certificate.iam_certificate_id) == 21
        assert certificate.source == "self-signed"
        assert certificate.domain_names == ["www.example.org", "*.static.example.org"]
        assert certificates.find_certificate(certificate.arn) == certificate
        assert certificates.find_certificate(certificate.iam_certificate_id) == certificate
        assert certificate.covers("img.static.example.org")

    @pytest.mark.parametrize(
        "name", ["localhost", "bad_name.example.com", "*.com", "www.*.example.com", "-a.example.com"]
    )
    def test_it_refuses_names_a_certificate_cannot_carry(self, db, name):
        with pytest.raises(CertificateError):
            certificates.create_self_signed([name])

    def test_the_command_prints_the_identifiers(self, db, tmp_path):
        out = StringIO()
        call_command("create_certificate", "www.example.org", "--cert-out", str(tmp_path / "c.pem"), stdout=out)
        arn, iam_id, names = out.getvalue().strip().split("\t")
        assert SimulatedCertificate.objects.get(arn=arn).iam_certificate_id == iam_id
        assert names == "www.example.org"
        assert (tmp_path / "c.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")

    def test_the_command_fails_with_one_line_for_a_bad_name(self, db):
        with pytest.raises(CommandError, match="not a fully qualified domain name"):
            call_command("create_certificate", "localhost", stdout=StringIO())


class TestImportCertificate:
    def test_it_imports_a_certificate_its_key_and_chain(self, db):
        ca_cert, ca_key = ca.load_ca()
        cert_pem, key_pem, _, _ = pem_pair(["shop.example.org"], issuer=(ca_cert, ca_key))
        chain = ca_cert.public_bytes(serialization.Encoding.PEM)
        row = certificates.import_certificate(cert_pem, key_pem, chain)
        assert row.source == "imported"
        assert row.domain_names == ["shop.example.org"]
        assert "BEGIN CERTIFICATE" in row.chain_pem

    def test_a_self_signed_import_is_recorded_as_such(self, db):
        cert_pem, key_pem, _, _ = pem_pair()
        assert certificates.import_certificate(cert_pem.decode(), key_pem.decode()).source == "self-signed"

    def test_an_rsa_key_is_accepted(self, db):
        cert_pem, key_pem, _, _ = pem_pair(key=rsa.generate_private_key(65537, 2048))
        assert certificates.import_certificate(cert_pem, key_pem).domain_names == ["www.example.org"]

    @pytest.mark.parametrize("cert_pem, key_pem, chain_pem, message", refused_imports())
    def test_it_refuses_what_acm_would_refuse_with_a_clear_message(self, db, cert_pem, key_pem, chain_pem, message):
        with pytest.raises(CertificateError, match=message):
            certificates.import_certificate(cert_pem, key_pem, chain_pem)
        assert not SimulatedCertificate.objects.exists()

    def test_the_command_prints_the_identifiers(self, db, tmp_path):
        cert_pem, key_pem, _, _ = pem_pair(["a.example.org", "b.example.org"])
        (tmp_path / "cert.pem").write_bytes(cert_pem)
        (tmp_path / "key.pem").write_bytes(key_pem)
        out = StringIO()
        call_command("import_certificate", str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"), stdout=out)
        arn, iam_id, names = out.getvalue().strip().split("\t")
        assert arn.startswith("arn:aws:acm:us-east-1:")
        assert names == "a.example.org b.example.org"

    def test_the_command_fails_with_one_line_for_a_mismatched_key(self, db, tmp_path):
        cert_pem, _, _, _ = pem_pair()
        _, other_key, _, _ = pem_pair()
        (tmp_path / "cert.pem").write_bytes(cert_pem)
        (tmp_path / "key.pem").write_bytes(other_key)
        with pytest.raises(CommandError, match="does not match"):
            call_command("import_certificate", str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))

    def test_the_command_names_a_missing_file(self, db, tmp_path):
        with pytest.raises(CommandError, match="cannot read the certificate"):
            call_command("import_certificate", str(tmp_path / "none.pem"), str(tmp_path / "key.pem"))


class TestSandboxCertificate:
    def test_load_sandbox_registers_the_alias_sites_certificate(self, db):
        call_command("load_sandbox", stdout=StringIO())
        certificate = certificates.find_certificate(SANDBOX_ARN)
        assert certificate.source == "sandbox"
        assert sorted(certificate.domain_names) == ["example.com", "www.example.com"]
        assert ca.issued_by_local_ca(certificate.certificate_pem)
