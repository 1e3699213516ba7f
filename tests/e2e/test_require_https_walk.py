"""The reference page's procedure, walked in headless Chromium as a person would."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from distributions import mirror
from distributions.sandbox.simulator import SimulatorBackend
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def edge_request(method, url):

    out = StringIO()
    call_command("edge_request", method, url, stdout=out)
    return json.loads(out.getvalue())


def test_a_person_requires_https_on_a_behavior_and_http_viewers_get_a_301(live_server, page, settings):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 1
    call_command("load_sandbox", stdout=StringIO())
    UserFactory(username="trainee", password="a long training password")
    site = next(d for d in mirror.Distribution.objects.all() if d.comment.startswith("Static website"))

    # Step 1: sign in.
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("trainee")
    page.get_by_label("Password").fill("a long training password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Distributions", exact=True).is_visible()

    # Step 2: choose the distribution's ID.
    page.get_by_role("link", name=site.id).click()
    assert page.get_by_role("heading", name=site.id).is_visible()

    # Step 3: the Behaviors tab, choose the cache behavior, Edit.
    page.get_by_role("link", name="Behaviors").click()
    page.get_by_label("Choose /images/*").check()
    page.get_by_role("button", name="Edit").click()

    # Step 4: Viewer Protocol Policy.
    page.get_by_label("Redirect HTTP to HTTPS").check()
    tester = page.locator("#path-tester")
    # The path tester follows the choice at once: the example path now gets a 301.
    tester.get_by_text(f"https://{site.domain_name}/images/example").wait_for()

    # Step 7's evidence: the path tester shows the 301 this edit will bring.
    page.get_by_label("Path to test").fill("/images/cat.jpg")
    page.get_by_role("button", name="Test path").click()
    tester.get_by_text("https://" + site.domain_name + "/images/cat.jpg").wait_for()
    assert "/images/*" in tester.inner_text()

    # Step 7: the checklist, then Step 5: Yes, Edit.
    page.get_by_label("The path pattern in each cache behavior applies only").check()
    page.get_by_label("The cache behaviors are listed in the order").check()
    page.get_by_label("The cache behaviors are routing requests to the correct origins").check()
    page.get_by_role("button", name="Yes, Edit").click()

    page.get_by_text("set to Redirect HTTP to HTTPS").wait_for()
    assert "/behaviors/" in page.url
    status = page.locator(f"#status-{site.id}")
    assert status.inner_text().strip() in {"In Progress", "Deployed"}
    # The badge turns Deployed by itself (htmx polling), no reload.
    page.locator(f"#status-{site.id}", has_text="Deployed").wait_for(timeout=15_000)

    answer = edge_request("GET", f"http://{site.domain_name}/images/cat.jpg?size=large")
    assert answer["status"] == 301
    assert answer["location"] == f"https://{site.domain_name}/images/cat.jpg?size=large"
    assert answer["path_pattern"] == "/images/*"
    # The other behaviors were left alone.
    config, _ = SimulatorBackend().get_distribution_config(site.id)
    assert config["CacheBehaviors"]["Items"][1]["ViewerProtocolPolicy"] == "allow-all"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "allow-all"


def test_every_step_works_without_javascript(live_server, page_without_javascript, settings, make_distribution):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 0
    page = page_without_javascript
    UserFactory(username="nojs", password="a long training password")
    api = make_distribution(
        [
            ("/api/*", "allow-all", ["HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH"]),
            ("/img/*", "allow-all"),
        ],
        comment="API without JS",
    )
    page.goto(live_server.url + "/distributions/")
    page.get_by_label("Username").fill("nojs")
    page.get_by_label("Password").fill("a long training password")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_label("Filter distributions").fill("without JS")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=api.id).click()
    page.get_by_role("link", name="Behaviors").click()
    page.get_by_label("Choose /api/*").check()
    page.get_by_role("button", name="Edit").click()
    assert "This behavior allows DELETE, OPTIONS, PATCH, POST, PUT" in page.content()

    page.get_by_label("Redirect HTTP to HTTPS").check()
    page.locator("label.checkbox-option", has_text="/img/*").locator("input").check()
    page.get_by_label("Path to test").fill("/api/orders")
    page.get_by_role("button", name="Test path").click()  # a plain GET of the same page
    tester = page.locator("#path-tester")
    assert "/api/orders" in tester.inner_text()
    post_row = tester.locator("tr", has_text="HTTP POST")
    assert "307" in post_row.inner_text()  # HTTP/1.1 and later: 307, not the 2016 page's 403
    # The choices survived the round trip.
    assert page.get_by_label("Redirect HTTP to HTTPS").is_checked()

    page.get_by_label("The path pattern in each cache behavior applies only").check()
    page.get_by_label("The cache behaviors are listed in the order").check()
    page.get_by_label("The cache behaviors are routing requests to the correct origins").check()
    page.get_by_role("button", name="Yes, Edit").click()
    page.get_by_text("set to Redirect HTTP to HTTPS").wait_for()

    config, _ = SimulatorBackend().get_distribution_config(api.id)
    assert [b["ViewerProtocolPolicy"] for b in config["CacheBehaviors"]["Items"]] == ["redirect-to-https"] * 2
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "allow-all"
    page.reload()
    assert "Deployed" in page.locator(f"#status-{api.id}").inner_text()
