"""Issue 17 in a browser: the HTTPS posture page, then a bulk plan reviewed and applied."""

import csv
import io

import pytest

from distributions.cloudfront import config as cfg
from distributions.fleet.models import BulkChange
from distributions.models import AuditEntry
from distributions.sandbox.simulator import SimulatorBackend
from tests.factories import ALL_METHODS, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long training password"
ACME = "/.well-known/acme-challenge/*"


@pytest.fixture
def fleet(make_distribution, settings):
    """Imported configs: an ACME path, a POST API with a health check, a shadowed behavior, one compliant."""
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 0
    return {
        "acme": make_distribution([(ACME, "allow-all"), ("/images/*", "allow-all")], comment="site with ACME"),
        "api": make_distribution(
            [("/healthz", "allow-all"), ("/api/*", "allow-all", ALL_METHODS)],
            default_policy="redirect-to-https",
            comment="API",
        ),  # fmt: skip
        "shadow": make_distribution(
            [("/images/*", "https-only"), ("/images/a.jpg", "allow-all")], default_policy="https-only"
        ),
        "ok": make_distribution([("/css/*", "https-only")], default_policy="redirect-to-https"),
    }


def sign_in(page, live_server):
    UserFactory(username="admin", password=PASSWORD)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Distributions", exact=True).wait_for()


def http_rows(page):
    """(distribution, path pattern) of each row of the table of behaviors that allow HTTP."""
    rows = page.locator("#http-behaviors tbody tr")
    return {
        (rows.nth(i).locator("td").nth(1).inner_text().strip(), rows.nth(i).locator("td").nth(2).inner_text().strip())
        for i in range(rows.count())
    }


def test_the_posture_page_lists_where_viewers_can_use_http_and_downloads_it(live_server, page, fleet):
    sign_in(page, live_server)
    page.get_by_role("link", name="HTTPS posture").click()
    page.get_by_role("heading", name="HTTPS posture", level=1).wait_for()
    acme, api, shadow = fleet["acme"].id, fleet["api"].id, fleet["shadow"].id
    assert http_rows(page) == {
        (acme, ACME), (acme, "/images/*"), (acme, "Default (*)"), (api, "/healthz"), (api, "/api/*"),
        (shadow, "/images/a.jpg"),
    }  # fmt: skip
    assert "Last synced:" in page.locator(".page-header").inner_text()
    # The ACME path cannot be chosen; the API is flagged; the shadowed behavior says it is never used.
    assert page.get_by_label(f"Select {acme} {ACME}").is_disabled()
    assert "Accepts writes: HTTPS Only recommended" in page.locator("tr", has_text="/api/*").inner_text()
    assert "Never used (shadowed)" in page.locator("tr", has_text="/images/a.jpg").inner_text()

    page.get_by_label("Distribution ID").fill(api)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**q=*")
    assert http_rows(page) == {(api, "/healthz"), (api, "/api/*")}

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert len([r for r in rows if r["kind"] == "behavior"]) == 6  # the download is the whole fleet's


def test_a_person_plans_reviews_and_applies_require_https_across_the_fleet(live_server, page, fleet):
    sign_in(page, live_server)
    page.goto(live_server.url + "/distributions/https-posture/")
    assert page.get_by_label("Redirect HTTP to HTTPS").is_checked()
    page.get_by_label("More path patterns that must stay reachable over HTTP").fill("/healthz")
    page.get_by_role("button", name="Require HTTPS on all that allow HTTP").click()

    # The plan: per distribution what changes, what is excluded, what is flagged; nothing pushed yet.
    bulk = BulkChange.objects.get()
    page.get_by_role("heading", name=f"{bulk.reference}: Require HTTPS").wait_for()
    acme_plan, api_plan = page.locator(f"#plan-{fleet['acme'].id}"), page.locator(f"#plan-{fleet['api'].id}")
    assert f"{ACME} stays HTTP and HTTPS" in acme_plan.inner_text()
    assert "/healthz stays HTTP and HTTPS" in api_plan.inner_text()
    assert "/images/*\tGET, HEAD: 301 to HTTPS" in acme_plan.inner_text()
    # The API accepts writes: under Redirect HTTP to HTTPS they get 307 after the body crossed in clear.
    assert "'/api/*' accepts DELETE, PATCH, POST, PUT" in api_plan.inner_text()
    assert "HTTPS Only is recommended" in api_plan.inner_text()
    assert "307 to HTTPS (HTTP/1.1 and later)" in api_plan.inner_text()
    assert "Resolves" in acme_plan.inner_text()
    before = {key: SimulatorBackend().get_distribution_config(row.id) for key, row in fleet.items()}

    # Apply without the step-7 confirmation: refused, nothing pushed.
    page.get_by_role("button", name="Apply plan (3 distributions)").click()
    page.get_by_role("alert").filter(has_text="Confirm the step-7 checklist").wait_for()
    assert SimulatorBackend().get_distribution_config(fleet["api"].id) == before["api"]

    page.get_by_label("I checked the path patterns, their order and their origins").check()
    page.get_by_role("button", name="Apply plan (3 distributions)").click()
    results = page.locator("#results")
    results.get_by_text("Done", exact=True).wait_for()
    assert results.get_by_text("Pushed", exact=True).count() == 3

    # Only the Viewer Protocol Policies of the planned behaviors changed, one version per distribution.
    for key in ("acme", "api", "shadow"):
        config, etag = SimulatorBackend().get_distribution_config(fleet[key].id)
        assert etag != before[key][1]
        changes = cfg.diff(before[key][0], config)
        assert changes and all(path.endswith("ViewerProtocolPolicy") for path, _, _ in changes)
        policies = {b.path_pattern: b.viewer_protocol_policy for b in cfg.behaviors(config)}
        assert {pattern for pattern, policy in policies.items() if policy == "allow-all"} <= {ACME, "/healthz"}
        assert AuditEntry.objects.filter(distribution_id=fleet[key].id, action="bulk-require-https").count() == 1
    assert SimulatorBackend().get_distribution_config(fleet["ok"].id) == before["ok"]

    # The posture is now empty but for the exclusions.
    page.get_by_role("link", name="HTTPS posture").first.click()
    assert http_rows(page) == {(fleet["acme"].id, ACME), (fleet["api"].id, "/healthz")}


def test_the_progress_follows_a_run_without_a_reload(live_server, page, fleet):
    """While a plan is applied in the background, the results section polls itself (htmx)."""
    sign_in(page, live_server)
    page.goto(live_server.url + "/distributions/https-posture/")
    page.get_by_role("button", name="Require HTTPS on all that allow HTTP").click()
    bulk = BulkChange.objects.get()
    first = bulk.plan[0]["id"]
    BulkChange.objects.filter(pk=bulk.pk).update(state="applying", confirmed=True)
    page.reload()
    results = page.locator("#results")
    results.get_by_text("Being applied").wait_for()

    # A worker finishes the first distribution, then the run: the page follows, no reload.
    BulkChange.objects.filter(pk=bulk.pk).update(results={first: {"status": "pushed", "message": "Pushed; ETag X."}})
    results.get_by_text("(1 of 3)").wait_for()
    BulkChange.objects.filter(pk=bulk.pk).update(state="done")
    results.get_by_text("Done", exact=True).wait_for()
