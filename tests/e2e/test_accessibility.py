"""axe-core over every page of the walk and the staff pages: no serious or critical violation.

axe-core is vendored in tests/e2e/vendor (npm ``axe-core``, MPL-2.0); nothing is fetched at test time.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from distributions import approvals, pipeline, publish
from distributions.cloudfront import config as cfg
from distributions.models import AuditEntry, Distribution
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "a long training password"
BLOCKING = {"serious", "critical"}


def violations(page):
    """axe-core's violations of impact serious or critical on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def walk(live_server, settings):
    """The sandbox, a pushed change (History, Restore) and a change request (the staff pages)."""
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 0
    call_command("load_sandbox", stdout=StringIO())
    admin = UserFactory(username="trainee", password=PASSWORD)
    site = next(d for d in Distribution.objects.all() if d.comment.startswith("Static website"))
    snapshot = publish.begin_edit(site.id)
    edited = cfg.set_viewer_protocol_policy(snapshot.config, ["/images/*"], "redirect-to-https")
    pipeline.submit_reviewed(admin, snapshot, edited, action="test", summary="Redirect /images/*")
    snapshot = publish.begin_edit(site.id)
    edited = cfg.set_viewer_protocol_policy(snapshot.config, ["*"], "https-only")
    request = approvals.submit_change(admin, site.id, snapshot.config, snapshot.etag, edited, "HTTPS Only on *")
    entry = AuditEntry.objects.filter(distribution_id=site.id, outcome="pushed").first()
    custom = next(
        (d.id, o["Id"])
        for d in Distribution.objects.all()
        for o in cfg.origins(publish.begin_edit(d.id).config)
        if "CustomOriginConfig" in o
    )
    paths = [
        "/distributions/",
        f"/distributions/{site.id}/",
        f"/distributions/{site.id}/origins/",
        f"/distributions/{site.id}/behaviors/",
        f"/distributions/{site.id}/behaviors/edit/?behavior=/images/*",
        f"/distributions/{site.id}/behaviors/order/",
        "/distributions/{}/origins/{}/edit/".format(*custom),
        f"/distributions/{site.id}/settings/edit/",
        f"/distributions/{site.id}/invalidations/",
        f"/distributions/{site.id}/usage/",
        f"/distributions/{site.id}/history/",
        f"/distributions/{site.id}/history/{entry.pk}/restore/",
        "/distributions/test-request/",
        "/distributions/activity/",
        "/distributions/change-requests/",
        f"/distributions/change-requests/{request.pk}/",
        "/distributions/sandbox/reset/",
        "/distributions/https-posture/",
        "/sandbox-api/keys/",
    ]
    return live_server.url, paths


def sign_in(page, base):
    page.goto(base + "/login/")
    page.get_by_label("Username").fill("trainee")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Distributions", exact=True).wait_for()


@pytest.mark.parametrize("width", [1440, 390])
def test_no_serious_or_critical_axe_violation_on_any_page(browser, walk, width):
    base, paths = walk
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(base + "/login/")
        found = {"/login/": violations(page)}
        sign_in(page, base)
        for path in paths:
            response = page.goto(base + path)
            assert response.status == 200, path
            found[path] = violations(page)
        report = [f"{path}: {line}" for path, lines in found.items() for line in lines]
        assert not report, "\n".join(report)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 1440, 390])
def test_no_page_overflows_its_width(browser, walk, width):
    base, paths = walk
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, base)
        wide = []
        for path in paths:
            page.goto(base + path)
            if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
                wide.append((path, page.evaluate("document.documentElement.scrollWidth")))
        assert wide == []
    finally:
        context.close()
