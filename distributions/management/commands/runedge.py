from django.core.management.base import BaseCommand
from django.db import DatabaseError

from distributions.cli import fail
from distributions.sandbox.ca import ca_certificate_path
from distributions.sandbox.edge.runner import EdgeRunner


class Command(BaseCommand):
    help = (
        "Serve the deployed simulated distributions as a real CloudFront-like edge over HTTP and HTTPS, "
        "with the sandbox's tiny local origin. The Host header (or SNI) picks the distribution."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--http-port", type=int, default=8080)
        parser.add_argument("--https-port", type=int, default=8443, help="also the port put in 301 locations")
        parser.add_argument("--origin-port", type=int, default=8081, help="the local origin over HTTP")
        parser.add_argument("--origin-https-port", type=int, default=8444, help="the local origin over HTTPS")
        parser.add_argument("--no-origin", action="store_true", help="do not start the local origin")
        parser.add_argument(
            "--origin-host",
            action="append",
            default=[],
            metavar="NAME",
            help="an origin DomainName to treat as this machine, besides localhost and 127.0.0.1 (repeatable)",
        )
        parser.add_argument("--access-log", action="store_true", help="log every request (slower)")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes sharing the ports (default 1); each keeps its own cache, as the servers of one "
            "edge location do, so keep 1 to watch the cache ignore the protocol",
        )

    def handle(self, *args, **options):
        runner = EdgeRunner(
            host=options["host"],
            http_port=options["http_port"],
            https_port=options["https_port"],
            origin_port=options["origin_port"],
            origin_https_port=options["origin_https_port"],
            local_origin=not options["no_origin"],
            origin_hosts=options["origin_host"],
            log_level="info" if options["access_log"] else "warning",
            access_log=options["access_log"],
        )
        try:
            runner.bind()
        except OSError as exc:
            raise fail(f"Cannot listen on {options['host']}: {exc.strerror}") from None
        host = options["host"]
        ca = ca_certificate_path()
        self.stdout.write(f"Edge over HTTP:   http://{host}:{runner.http_port}/")
        self.stdout.write(f"Edge over HTTPS:  https://{host}:{runner.https_port}/")
        if runner.local_origin:
            self.stdout.write(
                f"Local origin:     http://{host}:{runner.origin_port}/ and https://{host}:{runner.origin_https_port}/"
                " (origins named localhost or 127.0.0.1; ports 80/443 map here)"
            )
        self.stdout.write(f"CA certificate:   {ca}")
        self.stdout.write(
            f"Try: curl -i --cacert {ca} --resolve DOMAIN:{runner.https_port}:{host} "
            f"--resolve DOMAIN:{runner.http_port}:{host} -L http://DOMAIN:{runner.http_port}/"
        )
        if options["workers"] > 1:
            self.stdout.write(f"Workers:          {options['workers']} processes, each with its own cache")
        self.stdout.write("Serving the deployed configs; a change reaches the edge once its distribution is Deployed.")
        self.stdout.flush()
        try:
            runner.run(workers=max(1, options["workers"]))
        except DatabaseError as exc:
            raise fail(f"The edge cannot read the simulator's tables ({exc}); run manage.py migrate first.") from None
