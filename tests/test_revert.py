"""Revert this change / Restore the version before this (issue 13, item 6), as a person meets them on History.

The issue's case: "Restore the version before this" on an older entry also undid every later change
(someone else's command-line edit and an origin change, in one try) without saying so. Revert undoes
only that change; Restore says which later changes it undoes too; a field changed since is a conflict.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from distributions import pipeline, publish
from distributions.cloudfront import config as cfg
from distributions.models import AuditEntry, AuditOutcome
from distributions.sandbox.models import SimulatedDistribution

from .factories import UserFactory
from .support import CONFIRMATIONS

pytestmark = pytest.mark.django_db


def simulated(distribution_id):
    row = SimulatedDistribution.objects.get(pk=distribution_id)
    return row.config, row.etag


def policies(config):
    return {b.path_pattern: b.viewer_protocol_policy for b in cfg.behaviors(config)}


def origin_policy(config):
    return config["Origins"]["Items"][0]["CustomOriginConfig"]["OriginProtocolPolicy"]


def url(name, distribution, entry):
    return reverse(f"distributions:{name}", args=[distribution.id, entry.pk])


def yes_edit(client, distribution, pattern, policy):
    edit = reverse("distributions:behavior_edit", args=[distribution.id])
    etag = client.get(edit, {"behavior": pattern}).context["snapshot"].etag
    response = client.post(edit, {"etag": etag, "behavior": pattern, "policy": policy, **CONFIRMATIONS})
    assert response.status_code == 302
    return AuditEntry.objects.filter(distribution_id=distribution.id).order_by("pk").last()


def command_line(distribution, pattern, policy):
    call_command("set_viewer_protocol_policy", distribution.id, pattern, policy, stdout=StringIO())
    return AuditEntry.objects.filter(distribution_id=distribution.id).order_by("pk").last()


def origin_change(distribution, user):
    snapshot = publish.begin_edit(distribution.id)
    after = cfg.set_origin_protocol(snapshot.config, "origin-main", "match-viewer", "TLSv1.2")
    outcome = pipeline.submit_reviewed(
        user, snapshot, after, action="origin", summary="Origin protocol: Match viewer",
        acknowledged=pipeline.ACKNOWLEDGE_ALL,
    )  # fmt: skip
    assert outcome.status == pipeline.PUSHED
    return AuditEntry.objects.filter(distribution_id=distribution.id).order_by("pk").last()


def go(client, name, distribution, entry, **data):
    """Open the page, then confirm it with the ETag it showed."""
    page = client.get(url(name, distribution, entry))
    if page.status_code != 200:
        return page, page
    etag = page.context["snapshot"].etag
    return page, client.post(url(name, distribution, entry), {"etag": etag, "confirm": "on", **data})


@pytest.fixture
def later_changes(signed_in, static_site):
    """The issue's story: alice's change, then a command-line edit and bob's origin change."""
    mine = yes_edit(signed_in, static_site, "/images/*", "https-only")
    cli = command_line(static_site, "/css/*", "redirect-to-https")
    origin = origin_change(static_site, UserFactory(username="bob"))
    assert (cli.username, origin.username) == ("(command line)", "bob")
    return mine, cli, origin


class TestRevert:
    def test_it_undoes_only_that_change_and_keeps_every_later_one(self, signed_in, static_site, later_changes):
        mine, cli, origin = later_changes

        page, response = go(signed_in, "history_revert", static_site, mine)

        assert page.status_code == 200 and response.status_code == 302
        config, _ = simulated(static_site.id)
        assert policies(config) == {"/images/*": "allow-all", "/css/*": "redirect-to-https", "*": "allow-all"}
        assert origin_policy(config) == "match-viewer"
        entry = AuditEntry.objects.order_by("pk").last()
        assert (entry.action, entry.outcome) == ("revert", AuditOutcome.PUSHED)
        assert f"Revert change #{mine.pk}" in entry.summary
        assert entry.changes == [["CacheBehaviors.Items[0].ViewerProtocolPolicy", "https-only", "allow-all"]]

    def test_it_shows_what_it_changes_before_anything_goes(self, signed_in, static_site, later_changes):
        mine, *_ = later_changes
        page = signed_in.get(url("history_revert", static_site, mine))
        assert page.context["changes"] == [("CacheBehaviors.Items[0].ViewerProtocolPolicy", "https-only", "allow-all")]
        assert "Only this change is undone" in page.content.decode()

    def test_without_confirmation_nothing_is_pushed(self, signed_in, static_site, later_changes):
        mine, *_ = later_changes
        before = simulated(static_site.id)
        etag = signed_in.get(url("history_revert", static_site, mine)).context["snapshot"].etag
        response = signed_in.post(url("history_revert", static_site, mine), {"etag": etag})
        assert response.status_code == 400
        assert simulated(static_site.id) == before

    def test_a_field_changed_since_by_the_command_line_is_a_conflict_that_names_who(self, signed_in, static_site):
        mine = yes_edit(signed_in, static_site, "/images/*", "https-only")
        cli = command_line(static_site, "/images/*", "redirect-to-https")
        before = simulated(static_site.id)
        entries = AuditEntry.objects.count()

        page, response = go(signed_in, "history_revert", static_site, mine)

        for answer in (page, response):
            assert answer.status_code == 409
            text = answer.content.decode()
            assert "CacheBehaviors.Items[/images/*].ViewerProtocolPolicy" in text
            assert "redirect-to-https" in text and "(command line)" in text and f"#{cli.pk}" in text
            assert "nothing was pushed" in text.lower()
        assert simulated(static_site.id) == before
        assert AuditEntry.objects.count() == entries

    def test_a_field_changed_outside_the_console_is_a_conflict_too(self, signed_in, static_site, simulator):
        mine = yes_edit(signed_in, static_site, "/images/*", "https-only")
        config, etag = simulator.get_distribution_config(static_site.id)
        config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] = "allow-all"
        simulator.update_distribution(static_site.id, config, etag)  # the AWS CLI, another console…

        response = signed_in.get(url("history_revert", static_site, mine))

        assert response.status_code == 409
        assert "outside this console" in response.content.decode()

    def test_only_changes_cloudfront_applied_can_be_reverted(self, signed_in, static_site, simulator):
        conflict = AuditEntry.objects.create(
            username="alice", distribution_id=static_site.id, action="x", summary="s", outcome=AuditOutcome.CONFLICT,
            config_before={}, config_after={},
        )  # fmt: skip
        assert signed_in.get(url("history_revert", static_site, conflict)).status_code == 404


class TestRestoreSaysWhatItUndoes:
    def test_the_page_lists_every_later_change_it_undoes_and_who_made_it(self, signed_in, static_site, later_changes):
        mine, cli, origin = later_changes
        text = signed_in.get(url("history_restore", static_site, mine)).content.decode()
        assert "also undoes every change made since" in text
        for entry in (cli, origin):
            assert f"#{entry.pk}" in text and entry.username in text

    def test_it_undoes_them_all(self, signed_in, static_site, later_changes):
        mine, *_ = later_changes
        _, response = go(signed_in, "history_restore", static_site, mine)
        assert response.status_code == 302
        config, _ = simulated(static_site.id)
        assert policies(config) == {"/images/*": "allow-all", "/css/*": "allow-all", "*": "allow-all"}
        assert origin_policy(config) == "https-only"

    def test_a_change_outside_the_console_is_named_as_such(self, signed_in, static_site, simulator):
        mine = yes_edit(signed_in, static_site, "/images/*", "https-only")
        config, etag = simulator.get_distribution_config(static_site.id)
        config["Comment"] = "edited with the AWS CLI"
        simulator.update_distribution(static_site.id, config, etag)
        text = signed_in.get(url("history_restore", static_site, mine)).content.decode()
        assert "Comment" in text and "outside this console" in text


def test_history_offers_both_and_says_what_each_does(signed_in, static_site):
    mine = yes_edit(signed_in, static_site, "/images/*", "https-only")
    text = signed_in.get(reverse("distributions:distribution_history", args=[static_site.id])).content.decode()
    assert url("history_revert", static_site, mine) in text and url("history_restore", static_site, mine) in text
    assert "Revert this change" in text and "Restore the version before this" in text
    assert "undoes only that change" in text
    assert "also undoes every later change" in text
