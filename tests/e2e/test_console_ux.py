"""Issue #14 in a browser: no dead ends, a no-op Yes, Edit, Reset's confirmation, the phone layout."""

import pytest
from playwright.sync_api import expect

from distributions.sandbox.models import SimulatedDistribution
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long training password"


def sign_in(page, live_server, username="trainee"):
    UserFactory(username=username, password=PASSWORD)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Distributions", exact=True).wait_for()


def open_edit(page, live_server, distribution, pattern="/images/*"):
    page.goto(f"{live_server.url}/distributions/{distribution.id}/behaviors/")
    page.get_by_label(f"Choose {pattern}").check()
    page.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_role("heading", name="Edit behavior").wait_for()


def test_unticking_the_last_behavior_keeps_the_form(live_server, page, static_site):
    sign_in(page, live_server)
    open_edit(page, live_server, static_site)
    page.get_by_label("Redirect HTTP to HTTPS").check()
    page.locator("label.checkbox-option", has_text="/images/*").locator("input").uncheck()
    page.locator("#path-tester").get_by_text("Choose at least one cache behavior").wait_for()
    assert page.get_by_role("heading", name="Edit behavior").is_visible()
    assert page.get_by_label("Redirect HTTP to HTTPS").is_checked()


def test_a_failed_yes_edit_focuses_an_error_summary_with_links(live_server, page, static_site):
    sign_in(page, live_server)
    open_edit(page, live_server, static_site)
    page.get_by_label("HTTPS Only").check()
    page.get_by_role("button", name="Yes, Edit").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.get_by_role("link").count() == 3
    summary.get_by_role("link", name="Confirm that the cache behaviors are in the intended order.").click()
    assert page.url.endswith("#confirm_order")


def test_edit_on_the_behaviors_tab_waits_for_a_choice(live_server, page, static_site):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/distributions/{static_site.id}/behaviors/")
    edit = page.get_by_role("button", name="Edit", exact=True)
    assert edit.is_disabled()
    page.get_by_label("Choose /css/*").check()
    expect(edit).to_be_enabled()


def test_without_javascript_edit_with_nothing_chosen_comes_back_to_the_tab(
    live_server, page_without_javascript, static_site
):
    page = page_without_javascript
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/distributions/{static_site.id}/behaviors/")
    page.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_text("Choose a cache behavior in the table, then choose Edit.").wait_for()
    assert page.url.endswith(f"/distributions/{static_site.id}/behaviors/")


def test_a_yes_edit_that_changes_nothing_pushes_no_new_version(live_server, page, static_site):
    before = SimulatedDistribution.objects.get(pk=static_site.id).etag
    sign_in(page, live_server)
    open_edit(page, live_server, static_site)
    page.get_by_label("The path pattern in each cache behavior applies only").check()
    page.get_by_label("The cache behaviors are listed in the order").check()
    page.get_by_label("The cache behaviors are routing requests to the correct origins").check()
    page.get_by_role("button", name="Yes, Edit").click()
    page.get_by_text("No changes to save").wait_for()
    assert page.evaluate("document.activeElement.id") == "no-changes"
    assert SimulatedDistribution.objects.get(pk=static_site.id).etag == before


def test_reset_sandbox_asks_first(live_server, page, static_site):
    sign_in(page, live_server)
    page.get_by_role("link", name="Reset sandbox").click()
    page.get_by_role("heading", name="Reset sandbox?").wait_for()
    assert "cannot be undone" in page.content()
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("heading", name="Distributions", exact=True).wait_for()


def test_at_390_px_nothing_overflows_and_the_menu_reaches_every_link(live_server, browser, static_site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        for path in ("/distributions/", f"/distributions/{static_site.id}/behaviors/",
                     f"/distributions/{static_site.id}/behaviors/edit/?behavior=/images/*"):  # fmt: skip
            page.goto(live_server.url + path)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
            signout = page.get_by_role("button", name="Sign out").bounding_box()
            assert signout["x"] + signout["width"] <= 390 and signout["y"] + signout["height"] <= 40
        nav = page.get_by_role("navigation", name="CloudFront")
        assert not nav.is_visible()
        page.get_by_role("link", name="Menu").click()
        for name in ("Distributions", "Test a request", "Activity", "Change requests"):
            assert nav.get_by_role("link", name=name, exact=True).is_visible()
        nav.get_by_role("link", name="Activity", exact=True).click()
        page.wait_for_url("**/activity/")
    finally:
        context.close()
