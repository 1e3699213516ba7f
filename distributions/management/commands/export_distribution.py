import json

from django.core.management.base import BaseCommand

from distributions import publish
from distributions.backends.base import BackendError
from distributions.cli import acting_user, add_user_option, fail, require_rights


class Command(BaseCommand):
    help = "Print a distribution's config in the shape `aws cloudfront get-distribution-config` prints."

    def add_arguments(self, parser):
        parser.add_argument("distribution_id", metavar="ID")
        add_user_option(parser)

    def handle(self, *args, distribution_id, user=None, **options):
        require_rights(acting_user(user), distribution_id, edit=False)
        try:
            document = publish.export_distribution(distribution_id)
        except BackendError as exc:
            raise fail(f"{exc.code}: {exc.message}") from None
        self.stdout.write(json.dumps(document, indent=4, default=str))
