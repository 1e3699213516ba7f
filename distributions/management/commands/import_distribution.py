import json

from django.core.management.base import BaseCommand
from django.db import transaction

from distributions import publish
from distributions.backends.base import BackendError
from distributions.cli import fail


class Command(BaseCommand):
    help = (
        "Create simulated distributions from JSON as `aws cloudfront get-distribution-config` "
        "(or get-distribution) prints it, or a bare DistributionConfig. Prints each new ID and domain name."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        documents = []
        for name in files:
            try:
                with open(name, encoding="utf-8") as handle:
                    documents.append((name, json.load(handle)))
            except OSError as exc:
                raise fail(f"{name}: cannot read: {exc.strerror}") from None
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise fail(f"{name}: not valid JSON: {exc}") from None
        # All or nothing: one bad file creates none of them.
        with transaction.atomic():
            for name, document in documents:
                try:
                    row = publish.import_distribution(document)
                except (BackendError, publish.EditError) as exc:
                    raise fail(f"{name}: {getattr(exc, 'code', 'InvalidArgument')}: {exc.message}") from None
                self.stdout.write(f"{row.id}\t{row.domain_name}")
