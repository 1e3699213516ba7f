import json

from django.core.management.base import BaseCommand

from distributions.cli import fail
from distributions.sandbox.edge import EdgeError, decide_request


class Command(BaseCommand):
    help = (
        "What a viewer gets for METHOD URL from the deployed simulated config: JSON with status, "
        "location and path_pattern (* for the default behavior). Under Redirect HTTP to HTTPS, HTTP "
        "DELETE/OPTIONS/PATCH/POST/PUT get 307 over HTTP/1.1 and later, 403 over HTTP/1.0."
    )

    def add_arguments(self, parser):
        parser.add_argument("method", metavar="METHOD")
        parser.add_argument("url", metavar="URL")
        parser.add_argument("--https-port", type=int, default=None, help="port to put in redirect locations")
        parser.add_argument(
            "--http-version",
            choices=("1.0", "1.1", "2", "3"),
            default="1.1",
            help="the viewer's HTTP version (default 1.1)",
        )

    def handle(self, *args, method, url, https_port, http_version, **options):
        try:
            row, decision = decide_request(method, url, https_port, http_version)
        except EdgeError as exc:
            raise fail(str(exc)) from None
        result = {"distribution_id": row.id, **decision.as_dict()}
        self.stdout.write(json.dumps(result, indent=2))
