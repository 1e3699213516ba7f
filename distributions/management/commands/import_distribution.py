from django.core.management.base import BaseCommand
from django.db import transaction

from distributions import publish
from distributions.backends.base import BackendError
from distributions.cli import fail
from distributions.cloudfront import documents
from distributions.cloudfront.service_model import field_path


def read(name):
    """The DistributionConfig in the file ``name`` and its path there; one line and exit 1 when refused."""
    try:
        return documents.read_distribution_config(name)
    except OSError as exc:
        raise fail(f"{name}: cannot read: {exc.strerror}") from None
    except documents.DocumentError as exc:
        raise fail(f"{name}: {exc.line}") from None


class Command(BaseCommand):
    help = (
        "Create simulated distributions from JSON as `aws cloudfront get-distribution-config` "
        "(or get-distribution) prints it, or a bare DistributionConfig. Prints each new ID and domain name. "
        f"Files are checked against botocore's CloudFront model first (at most {documents.MAX_BYTES:,} bytes, "
        f"{documents.MAX_DEPTH} levels of nesting)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        configs = [(name, *read(name)) for name in files]
        # All or nothing: one bad file creates none of them.
        with transaction.atomic():
            for name, config, where in configs:
                try:
                    row = publish.import_distribution({"DistributionConfig": config})
                except (BackendError, publish.EditError) as exc:
                    field = field_path(getattr(exc, "field", ()), field_path(where))
                    prefix = f"{field}: " if getattr(exc, "field", ()) else ""
                    raise fail(f"{name}: {prefix}{getattr(exc, 'code', 'InvalidArgument')}: {exc.message}") from None
                self.stdout.write(f"{row.id}\t{row.domain_name}")
