"""Issue #14 in a browser: moves in place with the focus kept, statuses that refresh themselves."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_console_ux import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def four(make_distribution):
    return make_distribution([("/a/*", "allow-all"), ("/b/*", "allow-all"), ("/c/*", "allow-all")])


def order_on_page(page):
    return page.locator("#evaluation-order tbody tr td:nth-child(2)").all_inner_texts()


def test_move_up_and_down_happen_in_place_and_keep_the_focus_on_the_moved_row(live_server, page, four):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/distributions/{four.id}/behaviors/order/")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Move up /c/*").click()
    page.locator("#move-status", has_text="Moved /c/* to precedence 1.").wait_for()
    assert order_on_page(page) == ["/a/*", "/c/*", "/b/*", "Default (*)"]
    expect(page.get_by_role("button", name="Move up /c/*")).to_be_focused()  # focus follows the swap's settle
    page.keyboard.press("Enter")  # the focused button moves it again
    page.locator("#move-status", has_text="Moved /c/* to precedence 0.").wait_for()
    assert order_on_page(page) == ["/c/*", "/a/*", "/b/*", "Default (*)"]
    # At the top Move up is disabled: the focus stays in the row, on Move down.
    expect(page.get_by_role("button", name="Move down /c/*")).to_be_focused()
    assert page.evaluate("window.stillTheSamePage") is True
    page.get_by_label("Cache behavior", exact=True).select_option("/a/*")
    page.get_by_label("New precedence").select_option("2")
    page.get_by_role("button", name="Move", exact=True).click()
    page.locator("#move-status", has_text="Moved /a/* to precedence 2.").wait_for()
    assert order_on_page(page) == ["/c/*", "/b/*", "/a/*", "Default (*)"]
    assert page.evaluate("window.stillTheSamePage") is True


def test_without_javascript_a_move_reloads_at_the_moved_row(live_server, page_without_javascript, four):
    page = page_without_javascript
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/distributions/{four.id}/behaviors/order/")
    page.get_by_role("button", name="Move down /a/*").click()
    page.wait_for_url("**#moved")
    assert order_on_page(page) == ["/b/*", "/a/*", "/c/*", "Default (*)"]


def test_the_pushed_message_turns_deployed_with_the_badge(live_server, page, static_site, settings):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 2
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/distributions/{static_site.id}/behaviors/edit/?behavior=/images/*")
    page.get_by_label("Redirect HTTP to HTTPS").check()
    page.get_by_label("The path pattern in each cache behavior applies only").check()
    page.get_by_label("The cache behaviors are listed in the order").check()
    page.get_by_label("The cache behaviors are routing requests to the correct origins").check()
    page.get_by_role("button", name="Yes, Edit").click()
    flash = page.locator(".flash")
    flash.get_by_text("The change is deploying (In Progress)").wait_for()
    page.evaluate("window.stillTheSamePage = true")
    flash.get_by_text("Deployed: edge locations now serve the change.").wait_for(timeout=20_000)
    assert page.locator(f"#status-{static_site.id}").inner_text() == "Deployed"
    assert page.evaluate("window.stillTheSamePage") is True
    flash.get_by_role("button", name="Dismiss message").click()
    assert page.locator(".flash").count() == 0


def test_an_invalidation_turns_completed_without_a_reload(live_server, page, static_site, settings):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 2
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/distributions/{static_site.id}/invalidations/")
    page.get_by_label("Object paths").fill("/*")
    page.get_by_role("button", name="Create invalidation").click()
    listing = page.locator("#invalidation-list")
    listing.get_by_text("In Progress").wait_for()
    page.evaluate("window.stillTheSamePage = true")
    listing.get_by_text("Completed").wait_for(timeout=20_000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert listing.get_attribute("hx-trigger") is None  # polling stopped


@pytest.mark.parametrize("javascript", [True, False])
def test_info_opens_the_help_panel_and_close_returns_to_the_link(live_server, browser, static_site, javascript):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/distributions/{static_site.id}/behaviors/edit/?behavior=/images/*")
        topic = page.get_by_role("region", name="Viewer Protocol Policy")
        assert not topic.is_visible()
        page.get_by_role("link", name="Info: Viewer Protocol Policy").click()
        topic.wait_for()
        assert "307 (Temporary Redirect)" in topic.inner_text()
        assert page.evaluate("document.activeElement.id") == "help-viewer-protocol-policy"
        topic.get_by_role("link", name="Close help").click()
        topic.wait_for(state="hidden")
        assert page.evaluate("document.activeElement.id") == "info-viewer-protocol-policy"
    finally:
        context.close()
