from django.core.management.base import BaseCommand

from distributions.cli import fail
from distributions.sandbox.certificates import CertificateError, import_certificate


def _read(name, what):
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise fail(f"{name}: cannot read the {what}: {exc.strerror}") from None


class Command(BaseCommand):
    help = (
        "Import a certificate and its private key (PEM files) into the sandbox, as ACM's ImportCertificate "
        "does, and print its ARN and IAM ID, usable as ACMCertificateArn or IAMCertificateId."
    )

    def add_arguments(self, parser):
        parser.add_argument("certificate", metavar="CERT.pem")
        parser.add_argument("private_key", metavar="KEY.pem")
        parser.add_argument("--chain", metavar="CHAIN.pem", help="intermediate certificates, issuer first")

    def handle(self, *args, certificate, private_key, chain=None, **options):
        cert_pem = _read(certificate, "certificate")
        key_pem = _read(private_key, "private key")
        chain_pem = _read(chain, "certificate chain") if chain else None
        try:
            row = import_certificate(cert_pem, key_pem, chain_pem)
        except CertificateError as exc:
            raise fail(exc.message) from None
        self.stdout.write(f"{row.arn}\t{row.iam_certificate_id}\t{' '.join(row.domain_names)}")
