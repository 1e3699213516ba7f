"""The edge's functions for the console: trace_request, invalidate, usage and charges, load_sandbox --reset."""

import asyncio
import datetime
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from distributions import publish
from distributions.sandbox import certificates, edge
from distributions.sandbox.edge import usage
from distributions.sandbox.edge.app import EdgeApp
from distributions.sandbox.edge.index import EdgeDistribution, EdgeIndex, Snapshot
from distributions.sandbox.fixtures import sandbox_configs
from distributions.sandbox.models import EdgeInvalidation, EdgeUsage, SimulatedDistribution

from .factories import ALL_METHODS

ALIAS_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/8f3c2a1e-5b7d-4e9a-9c61-2d4f7b8e0a13"


@pytest.fixture(autouse=True)
def state_dir(settings, tmp_path):
    settings.CONSOLE_EDGE_STATE_DIR = tmp_path / "edge"


def certificate(arn):
    return {
        "CloudFrontDefaultCertificate": False,
        "ACMCertificateArn": arn,
        "SSLSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }


class TestTraceRequest:
    def test_it_lists_the_patterns_tried_and_says_why(self, make_distribution):
        site = make_distribution([("/images/*.jpg", "https-only"), ("/images/*", "redirect-to-https")])
        trace = edge.trace_request("GET", f"http://{site.domain_name}/images/a.png?x=1")
        assert trace["distribution_id"] == site.id
        assert (trace["status"], trace["outcome"], trace["path_pattern"]) == (301, "redirect", "/images/*")
        assert trace["location"] == f"https://{site.domain_name}/images/a.png?x=1"
        assert trace["trace"] == [
            {"precedence": 0, "path_pattern": "/images/*.jpg", "matched": False},
            {"precedence": 1, "path_pattern": "/images/*", "matched": True},
        ]
        assert "Redirect HTTP to HTTPS" in trace["reason"]
        assert trace["decision"].tried == ["/images/*.jpg", "/images/*"]
        assert "billed again" in trace["billing"]["note"]

    def test_it_puts_the_local_https_port_in_the_location(self, make_distribution):
        site = make_distribution(default_policy="redirect-to-https")
        trace = edge.trace_request("HEAD", f"http://{site.domain_name}/", https_port=8443)
        assert trace["location"] == f"https://{site.domain_name}:8443/"

    def test_a_write_over_http_1_1_gets_a_307_and_the_reference_pages_403_is_noted(self, make_distribution):
        site = make_distribution([("/api/*", "redirect-to-https", ALL_METHODS)])
        trace = edge.trace_request("POST", f"http://{site.domain_name}/api/x?y=1", http_version="HTTP/1.1")
        assert (trace["status"], trace["outcome"]) == (307, "redirect")
        assert trace["location"] == f"https://{site.domain_name}/api/x?y=1"
        assert any("2016 reference page" in note and "unencrypted" in note for note in trace["notes"])
        assert "307" in trace["billing"]["note"]

    def test_a_write_over_http_1_0_gets_the_403(self, make_distribution):
        site = make_distribution([("/api/*", "redirect-to-https", ALL_METHODS)])
        trace = edge.trace_request("POST", f"http://{site.domain_name}/api/x", http_version="HTTP/1.0")
        assert (trace["status"], trace["location"]) == (403, None)
        assert any("HTTP/1.0" in note for note in trace["notes"])

    def test_a_wildcard_alias_serves_a_name_below_it_and_an_exact_alias_wins(self, make_distribution):
        wildcard = make_distribution(aliases=["*.example.com"], ViewerCertificate=certificate(ALIAS_ARN))
        exact = make_distribution(aliases=["shop.example.com"], ViewerCertificate=certificate(ALIAS_ARN + "-2"))
        assert edge.trace_request("GET", "http://blog.example.com/")["distribution_id"] == wildcard.id
        assert edge.trace_request("GET", "http://shop.example.com/")["distribution_id"] == exact.id
        assert edge.trace_request("GET", "http://example.com/")["distribution_id"] is None

    def test_a_disabled_distribution_answers_403(self, make_distribution):
        site = make_distribution(default_policy="redirect-to-https", Enabled=False)
        trace = edge.trace_request("GET", f"http://{site.domain_name}/")
        assert (trace["status"], trace["distribution_id"]) == (403, site.id)
        assert "disabled" in trace["reason"]

    def test_an_unknown_host_is_a_403(self, db):
        trace = edge.trace_request("GET", "http://nobody.example.net/")
        assert (trace["status"], trace["distribution_id"]) == (403, None)
        assert "No distribution serves" in trace["reason"]

    def test_https_to_an_alias_shows_the_certificate(self, make_distribution):
        # Created while the sandbox does not hold the certificate (as for a config copied from a real
        # account): CloudFront refuses an uncovered alias at the API when it can check it.
        make_distribution(aliases=["www.example.com", "api.example.com"], ViewerCertificate=certificate(ALIAS_ARN))
        certificates.ensure_sandbox_certificate(ALIAS_ARN, ["www.example.com", "example.com"])
        ok = edge.trace_request("GET", "https://www.example.com/")
        assert (ok["status"], ok["tls"]["handshake"], ok["tls"]["certificate"]) == (200, "ok", ALIAS_ARN)
        uncovered = edge.trace_request("GET", "https://api.example.com/")
        assert (uncovered["status"], uncovered["outcome"]) == (None, "tls-handshake-failure")
        assert "does not cover api.example.com" in uncovered["reason"]

    def test_https_to_an_alias_with_an_unknown_certificate_fails(self, make_distribution):
        make_distribution(aliases=["www.example.net"], ViewerCertificate=certificate(ALIAS_ARN + "-elsewhere"))
        trace = edge.trace_request("GET", "https://www.example.net/")
        assert trace["status"] is None
        assert "holds no certificate" in trace["tls"]["error"]

    def test_it_reads_the_deployed_config(self, make_distribution, settings):
        site = make_distribution([("/a/*", "allow-all")])
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        snapshot = publish.begin_edit(site.id)
        publish.set_viewer_protocol_policy(site.id, ["/a/*"], "https-only", snapshot.etag)
        assert edge.trace_request("GET", f"http://{site.domain_name}/a/b")["status"] == 200

    def test_it_decides_on_the_canonical_path_as_the_edge_does(self, make_distribution):
        site = make_distribution([("/admin/*", "https-only")])
        for path in ("/%61dmin/x", "/public/../admin/x", "/admin%2Fx", "//admin/x"):
            trace = edge.trace_request("GET", f"http://{site.domain_name}{path}")
            assert (trace["status"], trace["path_pattern"], trace["path"]) == (403, "/admin/*", "/admin/x")
        _, decision = edge.decide_request("GET", f"http://{site.domain_name}/x/../admin/y")
        assert decision.path_pattern == "/admin/*"

    @pytest.mark.parametrize(
        "method, url",
        [("BREW", "http://x.cloudfront.net/"), ("GET", "ftp://x/"), ("GET", "http://x.cloudfront.net/a%zz")],
    )
    def test_a_request_that_is_not_one_raises(self, db, method, url):
        with pytest.raises(edge.EdgeError):
            edge.trace_request(method, url)


class TestInvalidate:
    def test_it_records_paths_for_running_edges(self, db):
        row = edge.invalidate("E123", ["/images/*", "/index.html"])
        assert EdgeInvalidation.objects.get(pk=row.pk).paths == ["/images/*", "/index.html"]

    @pytest.mark.parametrize("paths", [[], ["images/a.jpg"], ["/a*/b"]])
    def test_it_refuses_paths_cloudfront_would_refuse(self, db, paths):
        with pytest.raises(edge.EdgeError):
            edge.invalidate("E123", paths)


class TestCharges:
    def test_a_redirect_is_billed_as_two_requests(self):
        # One viewer: HTTP GET -> 301, then HTTPS GET -> the object.
        charges = usage.estimate_charges({"http_requests": 1, "https_requests": 1, "redirects": 1})
        assert charges["http_requests"] == Decimal("0.000001")  # 0.0075 / 10,000, rounded
        assert charges["https_requests"] == Decimal("0.000001")
        assert charges["redirect_requests"] == charges["http_requests"]

    def test_it_uses_the_price_table(self):
        counters = {"http_requests": 10_000, "https_requests": 20_000, "bytes_out": 2 * 1024**3, "redirects": 10_000}
        charges = usage.estimate_charges(counters, {"per_gb_out": "0.10"})
        assert charges["http_requests"] == Decimal("0.0075")
        assert charges["https_requests"] == Decimal("0.02")
        assert charges["data_transfer_out"] == Decimal("0.2")
        assert charges["total"] == Decimal("0.2275")
        assert charges["redirect_requests"] == Decimal("0.0075")

    def test_the_price_table_comes_from_settings(self, settings):
        settings.CONSOLE_EDGE_PRICES = {"https_per_10000": "0.0120"}
        assert usage.prices()["https_per_10000"] == "0.0120"
        assert usage.prices()["http_per_10000"] == usage.DEFAULT_PRICES["http_per_10000"]


class TestUsageRecords:
    def test_flushes_add_up_per_hour(self, db):
        meter = usage.UsageMeter()
        meter.record("E1", False, 301, 400)
        meter.record("E1", True, 200, 1000, cache=False)
        usage.flush(meter.take())
        meter.record("E1", True, 200, 1000, cache=True)
        meter.record("E1", False, 403, 900)
        usage.flush(meter.take())
        summary = edge.usage_summary("E1")
        assert summary["counters"] == {
            "http_requests": 2,
            "https_requests": 2,
            "redirects": 1,
            "forbidden": 1,
            "cache_hits": 1,
            "cache_misses": 1,
            "bytes_out": 3300,
        }
        assert summary["requests"] == 4
        assert len(summary["hours"]) == 1
        assert any("301" in line for line in summary["explanation"])

    def test_hours_are_separate_rows(self, db):
        meter = usage.UsageMeter()
        meter.record("E1", False, 200, 10)
        counts = meter.take()
        usage.flush(counts, datetime.datetime(2026, 1, 1, 10, 30, tzinfo=datetime.UTC))
        usage.flush(counts, datetime.datetime(2026, 1, 1, 11, 5, tzinfo=datetime.UTC))
        assert EdgeUsage.objects.for_distribution("E1").count() == 2
        assert edge.usage_summary("E1")["counters"]["http_requests"] == 2
        since = datetime.datetime(2026, 1, 1, 11, 0, tzinfo=datetime.UTC)
        assert edge.usage_summary("E1", since=since)["counters"]["http_requests"] == 1

    def test_counts_that_could_not_be_written_are_kept(self):
        meter = usage.UsageMeter()
        meter.record("E1", False, 301, 5)
        meter.restore(meter.take())
        meter.record("E1", False, 301, 5)
        assert meter.take() == {"E1": [2, 0, 2, 0, 0, 0, 10]}


class TestEdgeApp:
    """The ASGI application without sockets: an in-memory snapshot and meter."""

    def call(self, app, host, path=b"/", method="GET", scheme="http"):
        sent = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        scope = {
            "type": "http",
            "method": method,
            "scheme": scheme,
            "raw_path": path,
            "query_string": b"",
            "headers": [(b"host", host)],
            "client": ("127.0.0.1", 5000),
            "http_version": "1.1",
        }
        # A fresh thread: browser tests may leave an event loop running in this one.
        worker = threading.Thread(target=asyncio.run, args=(app(scope, receive, send),))
        worker.start()
        worker.join()
        return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]

    def app(self):
        config = sandbox_configs()[2]  # the alias site: default redirect-to-https
        index = EdgeIndex()
        index.snapshot = Snapshot([EdgeDistribution.build("E1", "d1.cloudfront.net", config)])
        return EdgeApp(index, https_port=8443)

    def test_a_host_with_a_port_and_in_capitals_finds_its_distribution(self):
        status, headers, _ = self.call(self.app(), b"WWW.Example.com:8080", b"/about")
        assert status == 301
        assert headers[b"location"] == b"https://WWW.Example.com:8443/about"

    def test_the_redirect_carries_the_canonical_path(self):
        status, headers, _ = self.call(self.app(), b"d1.cloudfront.net", b"/a/../%61bout//team")
        assert (status, headers[b"location"]) == (301, b"https://d1.cloudfront.net:8443/about/team")

    def test_a_malformed_path_gets_400(self):
        status, _, body = self.call(self.app(), b"d1.cloudfront.net", b"/a%zz")
        assert status == 400 and b"Bad request." in body

    def test_unknown_hosts_are_not_billed_to_anyone(self):
        app = self.app()
        status, _, body = self.call(app, b"nobody.example.net")
        assert status == 403 and b"Bad request." in body
        assert app.meter.take() == {}

    def test_a_redirect_is_counted_with_its_bytes(self):
        app = self.app()
        self.call(app, b"d1.cloudfront.net", b"/x")
        [[http, https, redirects, forbidden, hits, misses, nbytes]] = app.meter.take().values()
        assert (http, https, redirects, forbidden) == (1, 0, 1, 0)
        assert 300 < nbytes < 600


class TestLoadSandboxReset:
    def test_reset_restores_the_training_distributions_and_leaves_others_alone(self, make_distribution, settings):
        call_command("load_sandbox", stdout=StringIO())
        mine = make_distribution([("/a/*", "allow-all")])
        training = {row.config["CallerReference"]: row for row in SimulatedDistribution.objects.all()}
        site = training["sandbox-alias-site"]
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        for row in (site, mine):
            snapshot = publish.begin_edit(row.id)
            publish.set_viewer_protocol_policy(row.id, ["*"], "https-only", snapshot.etag)
        EdgeUsage.objects.create(
            distribution_id=site.id, hour=timezone.now().replace(minute=0, second=0, microsecond=0)
        )

        out = StringIO()
        call_command("load_sandbox", "--reset", stdout=out)

        restored = SimulatedDistribution.objects.get(pk=site.id)
        starting = next(c for c in sandbox_configs() if c["CallerReference"] == "sandbox-alias-site")
        assert restored.config == starting
        assert restored.deployed_config == starting
        assert restored.status == "Deployed"
        assert restored.etag != site.etag
        assert not EdgeUsage.objects.filter(distribution_id=site.id).exists()
        assert EdgeInvalidation.objects.filter(distribution_id=site.id, paths=["/*"]).exists()
        untouched = SimulatedDistribution.objects.get(pk=mine.id)
        assert untouched.config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
        assert untouched.status == "InProgress"
        assert "5 restored" in out.getvalue()
