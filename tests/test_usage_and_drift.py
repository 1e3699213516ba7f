"""Issue #14 item 15: the Usage tab shows money as the Billing console does; Reset raises no false drift alert."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from distributions import pipeline, publish
from distributions.cloudfront import config as cfg
from distributions.sandbox.models import EdgeUsage, SimulatedDistribution
from distributions.templatetags.console import money, thousands

DRIFT_ALERT = b"changed outside the console"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0"), "$0.00"),
        (Decimal("0.000000"), "$0.00"),
        (Decimal("0.004999"), "less than $0.01"),
        (Decimal("0.005"), "$0.01"),
        (Decimal("1.5"), "$1.50"),
        (Decimal("1234.565"), "$1,234.57"),
        (Decimal("1234567.891"), "$1,234,567.89"),
        (Decimal("-2.5"), "-$2.50"),
        ("12.3", "$12.30"),
        (7, "$7.00"),
        ("not money", "not money"),
    ],
)
def test_money(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (999, "999"), (1000, "1,000"), (12345678, "12,345,678")])
def test_thousands(value, shown):
    assert thousands(value) == shown


def hour_now():
    return timezone.now().replace(minute=0, second=0, microsecond=0)


class TestUsageTab:
    def test_without_redirects_it_says_nothing_about_redirect_charges(self, signed_in, static_site):
        EdgeUsage.objects.create(distribution_id=static_site.id, hour=hour_now(), https_requests=40_000)
        response = signed_in.get(reverse("distributions:distribution_usage", args=[static_site.id]))
        assert b"paid for 301 redirects" not in response.content
        assert b"40,000" in response.content
        assert b"0.000000" not in response.content

    def test_with_redirects_it_shows_their_share_in_dollars_and_cents(self, signed_in, static_site, settings):
        settings.CONSOLE_EDGE_PRICES = {"http_per_10000": "0.0075"}
        EdgeUsage.objects.create(
            distribution_id=static_site.id, hour=hour_now(), http_requests=4_000_000, redirects=2_000_000
        )
        response = signed_in.get(reverse("distributions:distribution_usage", args=[static_site.id]))
        assert b"Of the HTTP charge, $1.50 paid for 301 redirects" in response.content
        assert b"$3.00" in response.content


class TestNoFalseDriftAfterReset:
    @pytest.mark.parametrize("deploy_seconds", [0, 600])
    def test_pages_read_after_the_consoles_own_reset_raise_no_drift_alert(
        self, signed_in, user, settings, deploy_seconds
    ):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = deploy_seconds
        call_command("load_sandbox", stdout=io.StringIO())
        ids = list(SimulatedDistribution.objects.values_list("pk", flat=True))
        for distribution_id in ids:
            signed_in.get(reverse("distributions:distribution_general", args=[distribution_id]))
        snapshot = publish.begin_edit(ids[0])
        edited = cfg.set_viewer_protocol_policy(snapshot.config, ["*"], "https-only")
        pipeline.submit_reviewed(
            user, snapshot, edited, action="test", summary="test", acknowledged=pipeline.ACKNOWLEDGE_ALL
        )
        assert signed_in.post(reverse("distributions:sandbox_reset")).status_code == 302
        for distribution_id in ids:
            for name in ("distribution_general", "distribution_behaviors"):
                response = signed_in.get(reverse(f"distributions:{name}", args=[distribution_id]))
                assert DRIFT_ALERT not in response.content, (distribution_id, name)

    def test_a_change_made_elsewhere_still_raises_it(self, signed_in, simulator, static_site):
        config, etag = simulator.get_distribution_config(static_site.id)
        simulator.update_distribution(static_site.id, cfg.set_viewer_protocol_policy(config, ["*"], "https-only"), etag)
        response = signed_in.get(reverse("distributions:distribution_general", args=[static_site.id]))
        assert DRIFT_ALERT in response.content
