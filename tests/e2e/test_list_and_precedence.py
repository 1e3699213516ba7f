"""Issue #14 in a browser: the list's sorting and HTTPS filter (with the header count following the
rows), and Change precedence saving a change that adds an error once it is acknowledged (dead end 2)."""

import pytest
from playwright.sync_api import expect

from distributions.sandbox.models import SimulatedDistribution

from .test_console_ux import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def first_description(page):
    return page.locator("#distribution-table tbody tr").first.locator("td").nth(1)


def descriptions(page):
    return page.locator("#distribution-table tbody tr td:nth-child(2)").all_inner_texts()


def test_sorting_and_the_https_filter_swap_the_rows_and_the_count(live_server, page, make_distribution):
    make_distribution([("/a/*", "redirect-to-https")], default_policy="https-only", comment="Bravo secure")
    make_distribution([("/a/*", "allow-all")], comment="Alpha open")
    make_distribution(comment="Charlie open")
    sign_in(page, live_server)
    assert page.locator("#distribution-count").inner_text() == "(3)"
    page.get_by_role("link", name="Description").click()
    expect(first_description(page)).to_have_text("Alpha open")
    assert descriptions(page) == ["Alpha open", "Bravo secure", "Charlie open"]
    page.get_by_role("link", name="Description").click()
    expect(first_description(page)).to_have_text("Charlie open")
    assert descriptions(page) == ["Charlie open", "Bravo secure", "Alpha open"]
    page.get_by_label("HTTPS required").select_option("no")
    expect(page.locator("#distribution-count")).to_have_text("(2)")
    assert descriptions(page) == ["Charlie open", "Alpha open"]  # the sort survives the filter
    assert "https=no" in page.url


def test_change_precedence_saves_a_change_that_adds_an_error_once_acknowledged(live_server, page, make_distribution):
    site = make_distribution([("/images/*.jpg", "allow-all"), ("/images/*", "allow-all")], comment="Shadow me")
    etag = SimulatedDistribution.objects.get(pk=site.id).etag
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/distributions/{site.id}/behaviors/order/")
    page.get_by_role("button", name="Move down /images/*.jpg").click()
    acknowledge = page.get_by_label("I understand this error and want to push anyway.")
    acknowledge.wait_for()
    page.get_by_label("The cache behaviors are listed in the order").check()
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("alert").filter(has_text="Acknowledge each error").wait_for()
    assert SimulatedDistribution.objects.get(pk=site.id).etag == etag  # refused: nothing pushed
    page.get_by_label("I understand this error and want to push anyway.").check()
    page.get_by_label("The cache behaviors are listed in the order").check()
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Precedence saved.").wait_for()
    config = SimulatedDistribution.objects.get(pk=site.id).config
    assert [b["PathPattern"] for b in config["CacheBehaviors"]["Items"]] == ["/images/*", "/images/*.jpg"]
