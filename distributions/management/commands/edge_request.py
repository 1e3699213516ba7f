import json

from django.core.management.base import BaseCommand

from distributions.cli import fail
from distributions.sandbox.edge import EdgeError, decide_request


class Command(BaseCommand):
    help = (
        "What a viewer gets for METHOD URL from the deployed simulated config: JSON with status, "
        "location and path_pattern (* for the default behavior)."
    )

    def add_arguments(self, parser):
        parser.add_argument("method", metavar="METHOD")
        parser.add_argument("url", metavar="URL")
        parser.add_argument("--https-port", type=int, default=None, help="port to put in redirect locations")

    def handle(self, *args, method, url, https_port, **options):
        try:
            row, decision = decide_request(method, url, https_port)
        except EdgeError as exc:
            raise fail(str(exc)) from None
        result = {"distribution_id": row.id, **decision.as_dict()}
        self.stdout.write(json.dumps(result, indent=2))
