"""Real configurations edited in headless Chromium: one with an origin group, one with 27 cache behaviors."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from distributions.cloudfront import config as cfg
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REAL = Path(__file__).resolve().parent.parent / "data" / "real"


def command(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def exported(distribution_id):
    return json.loads(command("export_distribution", distribution_id))["DistributionConfig"]


@pytest.mark.parametrize(
    "name, pattern, target",
    [
        # /api routes to an origin group (CloudFront accepts "an existing origin or origin group")
        ("cdk-integ-origin-group-oac", "/api", "cloudfrontorigingroupDistributionOriginGroup10B57F1D1"),
        # 27 cache behaviors: more than the old quota of 25
        ("mdn-primary-cdn-prod-27-behaviors", "api/*", "mdn-primary-cdn-prod"),
    ],
)
def test_a_person_requires_https_on_a_real_config(live_server, page, settings, name, pattern, target):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 0
    distribution_id = command("import_distribution", str(REAL / f"{name}.json")).split("\t")[0]
    before = exported(distribution_id)
    UserFactory(username="walker", password="a long training password")

    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("walker")
    page.get_by_label("Password").fill("a long training password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=distribution_id).click()
    page.get_by_role("link", name="Behaviors").click()
    page.get_by_label(f"Choose {pattern}", exact=True).check()
    page.get_by_role("button", name="Edit").click()
    assert target in page.content()

    page.locator("input[name=policy][value=https-only]").check()  # "HTTPS Only" is also advice in a description
    page.get_by_label("The path pattern in each cache behavior applies only").check()
    page.get_by_label("The cache behaviors are listed in the order").check()
    page.get_by_label("The cache behaviors are routing requests to the correct origins").check()
    page.get_by_role("button", name="Yes, Edit").click()
    page.get_by_text("set to HTTPS Only").wait_for()

    after = exported(distribution_id)
    behavior = cfg.find_behavior(before, pattern)
    field = f"CacheBehaviors.Items[{behavior.precedence}].ViewerProtocolPolicy"
    assert cfg.diff(before, after) == [(field, behavior.viewer_protocol_policy, "https-only")]
