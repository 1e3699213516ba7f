"""The sandbox edge (``runedge``) through real sockets: HTTP and HTTPS, SNI, cache, deployments, usage.

The edge runs in a thread of the test process on free ports, reading the test
database from its own connection (hence transactional tests).
"""

import re
import time
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from distributions import publish
from distributions.sandbox import certificates, edge
from distributions.sandbox.models import SimulatedDistribution

from .edge_support import (
    ALL_VIEWER_EXCEPT_HOST,
    CACHING_DISABLED,
    eventually,
    local_origin,
    running_edge,
    served,
    viewer_client,
)
from .factories import ALL_METHODS, GET_HEAD, OriginFactory, distribution_config

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def runner(django_db_setup, django_db_blocker, tmp_path_factory):
    """One edge for the module (``edge_support.running_edge``)."""
    yield from running_edge(django_db_blocker, tmp_path_factory)


@pytest.fixture
def viewer(runner):
    """An HTTP client that trusts the local CA and talks to the edge whatever the URL's host says."""
    with viewer_client(runner) as request:
        yield request


def alias_site(make_distribution, runner, aliases, certificate_arn):
    return served(
        make_distribution,
        runner,
        [("/blog/*", "allow-all")],
        default_policy="redirect-to-https",
        aliases=aliases,
        ViewerCertificate={
            "CloudFrontDefaultCertificate": False,
            "ACMCertificateArn": certificate_arn,
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        },
    )


class TestRedirect:
    def test_an_http_get_under_redirect_gets_a_301_to_the_local_https_port(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, [("/images/*", "redirect-to-https")])
        answer = viewer("GET", f"http://{site.domain_name}/images/a.jpg?w=1&h=2")
        assert answer.status_code == 301
        assert answer.headers["location"] == f"https://{site.domain_name}:{runner.https_port}/images/a.jpg?w=1&h=2"
        assert answer.headers["x-cache"] == "Redirect from cloudfront"
        assert answer.headers["server"] == "CloudFront"
        assert re.fullmatch(r"1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)", answer.headers["via"])
        assert re.fullmatch(r"[A-Za-z0-9_-]{54}==", answer.headers["x-amz-cf-id"])
        assert answer.headers["x-amz-cf-pop"]
        assert "301 Moved Permanently" in answer.text

    def test_a_head_gets_the_301_without_a_body(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, default_policy="redirect-to-https")
        answer = viewer("HEAD", f"http://{site.domain_name}/")
        assert answer.status_code == 301
        assert answer.content == b""

    def test_following_the_redirect_gets_the_object_over_https(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, default_policy="redirect-to-https")
        first = viewer("GET", f"http://{site.domain_name}/page.html")
        second = viewer("GET", f"https://{site.domain_name}/page.html")
        assert (first.status_code, second.status_code) == (301, 200)
        assert "fetched over: HTTPS" in second.text

    @pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def test_other_http_methods_under_redirect_get_a_307_over_http_1_1(self, make_distribution, runner, viewer, method):
        site = served(make_distribution, runner, [("/api/*", "redirect-to-https", ALL_METHODS)])
        answer = viewer(method, f"http://{site.domain_name}/api/orders?x=1")
        assert answer.status_code == 307
        assert answer.headers["location"].startswith(f"https://{site.domain_name}")
        assert answer.headers["location"].endswith("/api/orders?x=1")
        assert answer.headers["x-cache"] == "Redirect from cloudfront"


class TestForbidden:
    def test_http_under_https_only_gets_403_and_not_the_object(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, [("/private/*", "https-only")])
        answer = viewer("GET", f"http://{site.domain_name}/private/report.pdf")
        assert answer.status_code == 403
        assert answer.headers["x-cache"] == "Error from cloudfront"
        assert "Synthetic object" not in answer.text

    def test_https_under_https_only_is_served(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, [("/private/*", "https-only")])
        assert viewer("GET", f"https://{site.domain_name}/private/report.pdf").status_code == 200

    def test_a_method_outside_allowed_methods_gets_403_over_https(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, [("/static/*", "allow-all", GET_HEAD)])
        answer = viewer("POST", f"https://{site.domain_name}/static/app.js", content=b"x")
        assert answer.status_code == 403
        assert "not configured to allow the HTTP request method" in answer.text

    def test_an_unknown_host_gets_cloudfronts_bad_request_page(self, runner, viewer):
        answer = viewer("GET", "http://nobody.example.net/")
        assert answer.status_code == 403
        assert "Bad request." in answer.text
        assert answer.headers["x-cache"] == "Error from cloudfront"

    def test_a_disabled_distribution_gets_403(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, Enabled=False)
        assert viewer("GET", f"http://{site.domain_name}/").status_code == 403


class TestOrigins:
    def test_a_local_origin_gets_the_request_over_the_viewers_protocol(self, make_distribution, runner, viewer):
        echo = distribution_config([("/echo/*", "allow-all", ALL_METHODS)], origins=[local_origin()])
        echo["CacheBehaviors"]["Items"][0]["OriginRequestPolicyId"] = ALL_VIEWER_EXCEPT_HOST  # query strings too
        site = served(make_distribution, runner, origins=[local_origin()], CacheBehaviors=echo["CacheBehaviors"])
        for scheme in ("http", "https"):
            answer = viewer("POST", f"{scheme}://{site.domain_name}/echo/{scheme}?a=1", content=b"hello")
            assert answer.status_code == 200
            echo = answer.json()
            assert (echo["protocol"], echo["method"], echo["path"], echo["query"]) == (
                scheme,
                "POST",
                f"/echo/{scheme}",
                "a=1",
            )
            assert echo["body"] == "hello"
            assert echo["headers"]["host"] == "127.0.0.1"
            assert echo["headers"]["cloudfront-forwarded-proto"] == scheme

    def test_an_https_only_origin_is_reached_over_https_for_http_viewers(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, origins=[local_origin("https-only")])
        answer = viewer("GET", f"http://{site.domain_name}/index.html")
        assert answer.status_code == 200
        assert answer.headers["x-origin-protocol"] == "https"
        assert "Hello from the sandbox origin" in answer.text

    def test_a_head_gets_the_objects_length_without_its_body(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, origins=[local_origin()])
        head = viewer("HEAD", f"https://{site.domain_name}/css/site.css")
        get = viewer("GET", f"https://{site.domain_name}/css/site.css")
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["content-length"] == str(len(get.content))
        assert get.headers["x-cache"] == "Hit from cloudfront"

    def test_a_remote_origin_gets_a_synthetic_object_naming_origin_and_protocol(
        self, make_distribution, runner, viewer
    ):
        origin = OriginFactory(Id="shop", DomainName="shop.example.com")
        origin["CustomOriginConfig"]["OriginProtocolPolicy"] = "http-only"
        site = served(make_distribution, runner, origins=[origin])
        answer = viewer("GET", f"https://{site.domain_name}/cart")
        assert answer.status_code == 200
        assert "origin: shop (shop.example.com)" in answer.text
        assert "fetched over: HTTP to port 80" in answer.text
        assert answer.headers["x-cache"] == "Miss from cloudfront"


class TestCache:
    def test_an_object_fetched_over_http_is_served_to_https_viewers(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, origins=[local_origin("match-viewer")])
        first = viewer("GET", f"http://{site.domain_name}/echo/object")
        second = viewer("GET", f"https://{site.domain_name}/echo/object")
        assert first.headers["x-cache"] == "Miss from cloudfront"
        assert second.headers["x-cache"] == "Hit from cloudfront"
        assert first.json()["protocol"] == second.json()["protocol"] == "http"
        assert "age" in second.headers

    def test_an_invalidation_makes_the_next_viewer_fetch_again(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, origins=[local_origin("match-viewer")])
        viewer("GET", f"http://{site.domain_name}/echo/object")
        edge.invalidate(site.id, ["/echo/*"])

        def refetched():
            answer = viewer("GET", f"https://{site.domain_name}/echo/object")
            assert answer.headers["x-cache"] == "Miss from cloudfront"
            return answer

        assert eventually(refetched).json()["protocol"] == "https"

    def test_caching_disabled_always_goes_to_the_origin(self, make_distribution, runner, viewer):
        config = distribution_config(origins=[local_origin()])
        config["DefaultCacheBehavior"]["CachePolicyId"] = CACHING_DISABLED
        site = served(
            make_distribution, runner, origins=[local_origin()], DefaultCacheBehavior=config["DefaultCacheBehavior"]
        )
        viewer("GET", f"http://{site.domain_name}/echo/x")
        assert viewer("GET", f"https://{site.domain_name}/echo/x").json()["protocol"] == "https"


class TestDeployments:
    def test_a_push_reaches_the_edge_only_once_deployed(self, make_distribution, runner, viewer, settings):
        site = served(make_distribution, runner, [("/images/*", "allow-all")])
        url = f"http://{site.domain_name}/images/a.jpg"
        assert viewer("GET", url).status_code == 200
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        snapshot = publish.begin_edit(site.id)
        publish.set_viewer_protocol_policy(site.id, ["/images/*"], "redirect-to-https", snapshot.etag)
        time.sleep(0.3)  # several refreshes of the edge
        assert viewer("GET", url).status_code == 200  # still InProgress: the edge serves the old config
        SimulatedDistribution.objects.filter(pk=site.id).update(deploy_ready_at=timezone.now() - timedelta(seconds=1))

        def redirected():
            assert viewer("GET", url).status_code == 301

        eventually(redirected)
        assert SimulatedDistribution.objects.get(pk=site.id).status == "Deployed"


class TestTLS:
    def test_a_cloudfront_name_gets_the_default_certificate(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner)
        assert viewer("GET", f"https://{site.domain_name}/").status_code == 200

    def test_an_alias_gets_its_own_certificate_by_sni(self, make_distribution, runner, viewer):
        certificate = certificates.ensure_sandbox_certificate(
            "arn:aws:acm:us-east-1:123456789012:certificate/test-alias", ["www.example.org", "example.org"]
        )
        alias_site(make_distribution, runner, ["www.example.org", "example.org"], certificate.arn)
        eventually(lambda: _assert_sni(runner, "example.org"))
        answer = viewer("GET", "https://www.example.org/blog/post")
        assert answer.status_code == 200
        assert viewer("GET", "http://example.org/").status_code == 301

    def test_an_alias_the_certificate_does_not_cover_fails_the_handshake(self, make_distribution, runner, viewer):
        # *.example.org routes a.b.example.org (CloudFront's wildcard aliases match any depth), but the
        # certificate's *.example.org covers one label only: CloudFront refuses an uncovered alias at the
        # API, so this is how a viewer meets a name the certificate does not cover.
        certificate = certificates.create_self_signed(["*.example.org"])
        alias_site(make_distribution, runner, ["www.example.org", "*.example.org"], certificate.arn)
        eventually(lambda: _assert_sni(runner, "*.example.org"))
        assert viewer("GET", "http://a.b.example.org/").status_code == 301
        with pytest.raises(httpx.ConnectError):
            viewer("GET", "https://a.b.example.org/")

    def test_an_alias_whose_certificate_the_sandbox_lacks_fails_the_handshake(self, make_distribution, runner, viewer):
        alias_site(
            make_distribution,
            runner,
            ["www.example.net"],
            "arn:aws:acm:us-east-1:111122223333:certificate/from-a-real-account",
        )
        eventually(lambda: _assert_sni(runner, "www.example.net"))
        with pytest.raises(httpx.ConnectError):
            viewer("GET", "https://www.example.net/")
        assert viewer("GET", "http://www.example.net/").status_code == 301


def _assert_sni(runner, name):
    assert name in runner.selector.by_name


class TestUsage:
    def test_the_edge_counts_requests_redirects_403s_and_bytes(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, [("/private/*", "https-only")], default_policy="redirect-to-https")
        viewer("GET", f"http://{site.domain_name}/page")  # 301
        viewer("GET", f"https://{site.domain_name}/page")  # 200, miss
        viewer("GET", f"https://{site.domain_name}/page")  # 200, hit
        viewer("GET", f"http://{site.domain_name}/private/x")  # 403

        def counted():
            summary = edge.usage_summary(site.id)
            assert summary["counters"]["http_requests"] == 2
            return summary

        summary = eventually(counted)
        counters = summary["counters"]
        assert counters["https_requests"] == 2
        assert counters["redirects"] == 1
        assert counters["forbidden"] == 1
        assert (counters["cache_hits"], counters["cache_misses"]) == (1, 1)
        assert counters["bytes_out"] > 1000
        assert summary["charges"]["total"] > 0
        assert summary["charges"]["redirect_requests"] > 0
