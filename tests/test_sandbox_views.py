"""Test a request, Usage and Reset sandbox in the console."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from distributions.sandbox.models import SimulatedDistribution

from .factories import ALL_METHODS

pytestmark = pytest.mark.django_db


class TestRequestTest:
    def test_it_shows_the_decision_and_the_patterns_tried(self, signed_in, make_distribution):
        site = make_distribution([("/images/*", "redirect-to-https"), ("/css/*", "allow-all")])
        response = signed_in.get(
            reverse("distributions:request_test"),
            {"method": "GET", "url": f"http://{site.domain_name}/css/a.css?v=1", "http_version": "HTTP/1.1"},
        )
        assert response.status_code == 200
        result = response.context["result"]
        assert result["status"] == 200 and result["path_pattern"] == "/css/*"
        assert [step["path_pattern"] for step in result["trace"]] == ["/images/*", "/css/*"]
        redirect = signed_in.get(
            reverse("distributions:request_test"), {"method": "HEAD", "url": f"http://{site.domain_name}/images/x"}
        ).context["result"]
        assert redirect["status"] == 301 and redirect["location"] == f"https://{site.domain_name}/images/x"

    @pytest.mark.parametrize("version, status", [("HTTP/1.1", 307), ("HTTP/2", 307), ("HTTP/1.0", 403)])
    def test_a_post_over_http_depends_on_the_http_version(self, signed_in, make_distribution, version, status):
        site = make_distribution([("/orders", "redirect-to-https", ALL_METHODS)])
        response = signed_in.get(
            reverse("distributions:request_test"),
            {"method": "POST", "url": f"http://{site.domain_name}/orders", "http_version": version},
        )
        assert response.context["result"]["status"] == status
        assert f"<h2>{status}".encode() in response.content
        assert b"2016 reference page" in response.content or b"HTTP/1.0 viewers" in response.content

    @pytest.mark.parametrize(
        "params, message",
        [
            ({"method": "BREW", "url": "http://x.cloudfront.net/"}, b"Choose one of GET"),
            ({"method": "GET", "url": "ftp://x/"}, b"not an http"),
            ({"method": "GET", "url": "http://x.cloudfront.net/", "http_version": "HTTP/9"}, b"Choose one of HTTP/1.1"),
            ({"method": "GET", "url": "http://[abc/"}, b"is not a valid URL"),
            ({"method": "GET", "url": "http://x.cloudfront.net:99999/"}, b"is not a valid URL"),
            ({"method": "GET", "url": "http://x.cloudfront.net/\x00"}, b"NUL"),
        ],
    )
    def test_bad_input_gets_a_message(self, signed_in, db, params, message):
        response = signed_in.get(reverse("distributions:request_test"), params)
        assert response.status_code == 400
        assert message in response.content


def test_the_usage_tab_renders_counters_and_charges(signed_in, static_site):
    response = signed_in.get(reverse("distributions:distribution_usage", args=[static_site.id]))
    assert response.status_code == 200
    assert b"Estimated charges" in response.content


class TestReset:
    def test_an_admin_puts_the_training_distributions_back(self, signed_in):
        call_command("load_sandbox", stdout=io.StringIO())
        row = SimulatedDistribution.objects.get(config__CallerReference="sandbox-static-site")
        config = row.config
        config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "https-only"
        from distributions.sandbox.simulator import SimulatorBackend

        SimulatorBackend().update_distribution(row.id, config, row.etag)
        response = signed_in.post(reverse("distributions:sandbox_reset"))
        assert response.status_code == 302
        row = SimulatedDistribution.objects.get(pk=row.id)
        assert row.config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "allow-all"

    def test_others_may_not(self, client, db):
        from distributions.models import Team

        from .factories import UserFactory

        Team.objects.create(name="web")
        client.force_login(UserFactory(username="nobody"))
        assert client.post(reverse("distributions:sandbox_reset")).status_code == 403
