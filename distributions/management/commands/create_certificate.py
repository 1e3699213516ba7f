from django.core.management.base import BaseCommand

from distributions.cli import fail
from distributions.sandbox.certificates import CertificateError, create_self_signed


class Command(BaseCommand):
    help = (
        "Create a self-signed certificate for DOMAIN... in the sandbox (as if imported into ACM) and print "
        "its ARN and IAM ID, usable as ViewerCertificate ACMCertificateArn or IAMCertificateId."
    )

    def add_arguments(self, parser):
        parser.add_argument("domains", nargs="+", metavar="DOMAIN", help="e.g. www.example.org or *.example.org")
        parser.add_argument(
            "--cert-out", metavar="FILE", help="also write the certificate (PEM) here, for curl --cacert"
        )

    def handle(self, *args, domains, cert_out=None, **options):
        try:
            certificate = create_self_signed(domains)
        except CertificateError as exc:
            raise fail(exc.message) from None
        if cert_out:
            try:
                with open(cert_out, "w", encoding="ascii") as handle:
                    handle.write(certificate.certificate_pem)
            except OSError as exc:
                raise fail(f"{cert_out}: cannot write: {exc.strerror}") from None
        self.stdout.write(f"{certificate.arn}\t{certificate.iam_certificate_id}\t{' '.join(certificate.domain_names)}")
