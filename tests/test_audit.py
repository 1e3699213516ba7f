"""The audit trail (issue 6): every push attempt recorded, append-only; History, rollback, Activity and its CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from distributions import publish
from distributions.backends.base import BackendError
from distributions.models import AuditEntry, AuditOutcome, Team, TeamDistribution
from distributions.sandbox.models import SimulatedDistribution
from distributions.sandbox.simulator import SimulatorBackend
from distributions.staff_views import CSV_FIELDS

from .factories import UserFactory
from .support import CONFIRMATIONS

pytestmark = pytest.mark.django_db


def simulated(distribution_id):
    row = SimulatedDistribution.objects.get(pk=distribution_id)
    return row.config, row.etag


def edit_url(distribution):
    return reverse("distributions:behavior_edit", args=[distribution.id])


def history_url(distribution):
    return reverse("distributions:distribution_history", args=[distribution.id])


def restore_url(distribution, entry):
    return reverse("distributions:history_restore", args=[distribution.id, entry.pk])


def begin(client, distribution, *patterns):
    response = client.get(edit_url(distribution), {"behavior": list(patterns)})
    assert response.status_code == 200
    return response.context["snapshot"].etag


def yes_edit(client, distribution, behavior="/images/*", policy="https-only", etag=None):
    etag = etag or begin(client, distribution, behavior)
    return client.post(edit_url(distribution), {"etag": etag, "behavior": behavior, "policy": policy, **CONFIRMATIONS})


def someone_else_changes(simulator, distribution, **fields):
    config, etag = simulator.get_distribution_config(distribution.id)
    config["CacheBehaviors"]["Items"][1]["ViewerProtocolPolicy"] = "https-only"
    config.update(fields)
    simulator.update_distribution(distribution.id, config, etag)


class TestAuditEntries:
    def test_a_push_records_who_what_both_etags_and_the_request_id(self, signed_in, user, static_site):
        etag = begin(signed_in, static_site, "/images/*")
        config_before = simulated(static_site.id)[0]
        assert yes_edit(signed_in, static_site, etag=etag).status_code == 302
        config_after, new_etag = simulated(static_site.id)
        entry = AuditEntry.objects.get()
        assert entry.user == user and entry.username == "alice"
        assert entry.distribution_id == static_site.id
        assert entry.action == "viewer-protocol-policy"
        assert entry.outcome == AuditOutcome.PUSHED
        assert (entry.etag_before, entry.etag_after) == (etag, new_etag)
        assert entry.error_code == "" and entry.error_message == ""
        assert entry.request_id
        assert entry.changes == [["CacheBehaviors.Items[0].ViewerProtocolPolicy", "allow-all", "https-only"]]
        assert entry.config_before == config_before and entry.config_after == config_after
        assert "HTTPS Only" in entry.summary
        assert entry.at is not None

    def test_a_stale_etag_records_a_conflict(self, signed_in, static_site, simulator):
        etag = begin(signed_in, static_site, "/images/*")
        someone_else_changes(simulator, static_site)
        current = simulated(static_site.id)
        response = yes_edit(signed_in, static_site, etag=etag)
        assert response.status_code == 409
        assert simulated(static_site.id) == current
        entry = AuditEntry.objects.get()
        assert entry.outcome == AuditOutcome.CONFLICT
        assert entry.username == "alice" and entry.distribution_id == static_site.id
        assert (entry.etag_before, entry.etag_after) == (etag, current[1])
        assert entry.error_code == "PreconditionFailed"

    def test_a_refused_push_records_the_error_code_and_request_id(self, signed_in, static_site, monkeypatch):
        def refuse(self, distribution_id, config, if_match):
            error = BackendError("InvalidArgument", "The parameter ViewerProtocolPolicy is invalid.")
            error.request_id = "req-0123456789"
            raise error

        monkeypatch.setattr(SimulatorBackend, "update_distribution", refuse)
        etag = begin(signed_in, static_site, "/images/*")
        before = simulated(static_site.id)
        response = yes_edit(signed_in, static_site, etag=etag)
        assert response.status_code == 400
        assert b"InvalidArgument" in response.content
        assert simulated(static_site.id) == before
        entry = AuditEntry.objects.get()
        assert entry.outcome == AuditOutcome.ERROR
        assert entry.username == "alice" and entry.distribution_id == static_site.id
        assert entry.etag_before == etag and entry.etag_after == ""
        assert entry.error_code == "InvalidArgument"
        assert "ViewerProtocolPolicy is invalid" in entry.error_message
        assert entry.request_id == "req-0123456789"

    def test_an_invalid_config_refused_by_the_simulator_is_recorded(self, static_site, simulator, user):
        snapshot = publish.begin_edit(static_site.id, simulator)
        edited = dict(
            snapshot.config,
            DefaultCacheBehavior=dict(snapshot.config["DefaultCacheBehavior"], TargetOriginId="nowhere"),
        )
        with pytest.raises(BackendError) as raised:
            publish.push_config(
                static_site.id, snapshot.config, snapshot.etag, edited, action="test", summary="bad origin", user=user
            )
        entry = AuditEntry.objects.get()
        assert entry.outcome == AuditOutcome.ERROR
        assert entry.error_code == raised.value.code and entry.error_code
        assert simulated(static_site.id) == (snapshot.config, snapshot.etag)

    def test_a_command_line_push_is_recorded_as_the_command_line(self, static_site, simulator):
        snapshot = publish.begin_edit(static_site.id, simulator)
        publish.set_viewer_protocol_policy(static_site.id, ["*"], "https-only", snapshot.etag, simulator)
        entry = AuditEntry.objects.get()
        assert entry.user is None and entry.username == "(command line)"

    def test_the_username_survives_the_user(self, signed_in, user, static_site):
        yes_edit(signed_in, static_site)
        user.delete()
        entry = AuditEntry.objects.get()
        assert entry.user is None and entry.username == "alice"


class TestAppendOnly:
    @pytest.fixture
    def entry(self, signed_in, static_site):
        yes_edit(signed_in, static_site)
        return AuditEntry.objects.get()

    def test_saving_an_existing_entry_is_refused(self, entry):
        entry.outcome = AuditOutcome.ERROR
        with pytest.raises(PermissionError):
            entry.save()
        assert AuditEntry.objects.get().outcome == AuditOutcome.PUSHED

    def test_deleting_an_entry_is_refused(self, entry):
        with pytest.raises(PermissionError):
            entry.delete()
        assert AuditEntry.objects.count() == 1

    def test_queryset_update_and_delete_are_refused(self, entry):
        with pytest.raises(PermissionError):
            AuditEntry.objects.filter(pk=entry.pk).update(outcome=AuditOutcome.ERROR)
        with pytest.raises(PermissionError):
            AuditEntry.objects.all().delete()
        with pytest.raises(PermissionError):
            AuditEntry.objects.update(summary="rewritten")
        assert AuditEntry.objects.get().outcome == AuditOutcome.PUSHED

    def test_new_entries_are_still_added(self, entry, static_site):
        AuditEntry.objects.create(
            username="x", distribution_id=static_site.id, action="note", summary="s", outcome=AuditOutcome.ERROR
        )
        assert AuditEntry.objects.count() == 2


class TestRollback:
    @pytest.fixture
    def pushed(self, signed_in, static_site):
        """A push of /images/* to HTTPS Only, and its history entry."""
        config_before = simulated(static_site.id)[0]
        assert yes_edit(signed_in, static_site).status_code == 302
        entry = AuditEntry.objects.get(outcome=AuditOutcome.PUSHED)
        return entry, config_before

    def test_history_shows_the_push_with_a_restore_link(self, signed_in, static_site, pushed):
        entry, _ = pushed
        response = signed_in.get(history_url(static_site))
        assert response.status_code == 200
        body = response.content.decode()
        assert entry.summary in body
        assert "alice" in body
        assert entry.etag_before in body and entry.etag_after in body
        assert restore_url(static_site, entry) in body

    def test_restore_shows_what_it_changes(self, signed_in, static_site, pushed):
        entry, _ = pushed
        response = signed_in.get(restore_url(static_site, entry))
        assert response.status_code == 200
        assert response.context["changes"] == [
            ("CacheBehaviors.Items[0].ViewerProtocolPolicy", "https-only", "allow-all")
        ]
        assert response.context["snapshot"].etag == simulated(static_site.id)[1]
        body = response.content.decode()
        assert "CacheBehaviors.Items[0].ViewerProtocolPolicy" in body
        assert "Yes, Restore" in body

    def test_restore_without_confirmation_changes_nothing(self, signed_in, static_site, pushed):
        entry, _ = pushed
        etag = signed_in.get(restore_url(static_site, entry)).context["snapshot"].etag
        before = simulated(static_site.id)
        response = signed_in.post(restore_url(static_site, entry), {"etag": etag})
        assert response.status_code == 400
        assert b"Confirm that you reviewed" in response.content
        assert simulated(static_site.id) == before
        assert AuditEntry.objects.count() == 1

    def test_restore_with_confirmation_pushes_the_previous_config_with_ifmatch(self, signed_in, static_site, pushed):
        entry, config_before = pushed
        etag = signed_in.get(restore_url(static_site, entry)).context["snapshot"].etag
        response = signed_in.post(restore_url(static_site, entry), {"etag": etag, "confirm": "on"})
        assert response.status_code == 302
        assert response.url == history_url(static_site)
        config, new_etag = simulated(static_site.id)
        assert new_etag != etag
        assert config == config_before
        rollback = AuditEntry.objects.filter(action="rollback").get()
        assert rollback.outcome == AuditOutcome.PUSHED
        assert rollback.username == "alice"
        assert (rollback.etag_before, rollback.etag_after) == (etag, new_etag)
        assert f"#{entry.pk}" in rollback.summary
        assert "Restored" in signed_in.get(response.url).content.decode()

    def test_the_restored_config_keeps_the_current_caller_reference(self, static_site, simulator):
        snapshot = publish.begin_edit(static_site.id, simulator)
        publish.set_viewer_protocol_policy(static_site.id, ["*"], "https-only", snapshot.etag, simulator)
        entry = AuditEntry.objects.get()
        current = dict(simulated(static_site.id)[0], CallerReference="current-reference")
        target = publish.restorable_config(entry, current)
        assert target["CallerReference"] == "current-reference"
        assert {k: v for k, v in target.items() if k != "CallerReference"} == {
            k: v for k, v in entry.config_before.items() if k != "CallerReference"
        }
        assert entry.config_before["CallerReference"] != "current-reference"  # the entry itself is untouched

    def test_a_stale_etag_on_restore_is_a_conflict(self, signed_in, static_site, pushed, simulator):
        entry, _ = pushed
        etag = signed_in.get(restore_url(static_site, entry)).context["snapshot"].etag
        someone_else_changes(simulator, static_site)
        meanwhile = simulated(static_site.id)
        response = signed_in.post(restore_url(static_site, entry), {"etag": etag, "confirm": "on"})
        assert response.status_code == 409
        assert b"changed while you were editing" in response.content
        assert simulated(static_site.id) == meanwhile
        conflict = AuditEntry.objects.get(outcome=AuditOutcome.CONFLICT)
        assert conflict.action == "rollback" and conflict.etag_before == etag

    def test_a_restore_post_without_the_reviewed_etag_changes_nothing(self, signed_in, static_site, pushed, simulator):
        """A POST must name the version that was reviewed; the view never pushes over a fresh fetch."""
        entry, _ = pushed
        signed_in.get(restore_url(static_site, entry))
        someone_else_changes(simulator, static_site)
        meanwhile = simulated(static_site.id)
        response = signed_in.post(restore_url(static_site, entry), {"confirm": "on"})
        assert response.status_code == 400
        assert simulated(static_site.id) == meanwhile
        assert not AuditEntry.objects.filter(action="rollback").exists()

    def test_a_tampered_etag_on_restore_changes_nothing(self, signed_in, static_site, pushed):
        entry, _ = pushed
        before = simulated(static_site.id)
        response = signed_in.post(restore_url(static_site, entry), {"etag": "EBOGUSBOGUSBOG", "confirm": "on"})
        assert response.status_code == 400
        assert simulated(static_site.id) == before

    def test_restoring_what_is_already_there_changes_nothing(self, signed_in, static_site, pushed):
        entry, _ = pushed
        etag = signed_in.get(restore_url(static_site, entry)).context["snapshot"].etag
        assert signed_in.post(restore_url(static_site, entry), {"etag": etag, "confirm": "on"}).status_code == 302
        rollback = AuditEntry.objects.get(action="rollback")
        # Restoring the version before the rollback brings back HTTPS Only; restoring the first entry again is a no-op.
        etag = signed_in.get(restore_url(static_site, entry)).context["snapshot"].etag
        before = simulated(static_site.id)
        response = signed_in.post(restore_url(static_site, entry), {"etag": etag, "confirm": "on"})
        assert response.status_code == 400
        assert b"nothing to restore" in response.content
        assert simulated(static_site.id) == before
        assert restore_url(static_site, rollback) in signed_in.get(history_url(static_site)).content.decode()

    def test_an_entry_of_another_distribution_is_a_404(self, signed_in, static_site, pushed, make_distribution):
        entry, _ = pushed
        elsewhere = make_distribution(comment="elsewhere")
        assert signed_in.get(restore_url(elsewhere, entry)).status_code == 404
        url = reverse("distributions:history_restore", args=[static_site.id, 999999])
        assert signed_in.get(url).status_code == 404


@pytest.fixture
def activity_world(make_distribution, simulator):
    """Pushes by alice and bob on red's distribution, a refused one by bob, and a push on blue's."""
    red, blue = Team.objects.create(name="red"), Team.objects.create(name="blue")
    site = make_distribution([("/images/*", "allow-all")], comment="Red")
    elsewhere = make_distribution([("/images/*", "allow-all")], comment="Blue")
    TeamDistribution.objects.create(team=red, distribution_id=site.id)
    TeamDistribution.objects.create(team=blue, distribution_id=elsewhere.id)
    users = {}
    for name, groups, team in [
        ("alice", ["Operator"], red),
        ("bob", ["Operator"], red),
        ("carol", ["Operator"], blue),
        ("vera", ["Viewer"], red),
    ]:
        users[name] = UserFactory(username=name)
        users[name].groups.set(Group.objects.filter(name__in=groups))
        team.members.add(users[name])

    def push(user, distribution, policy, backend=simulator):
        snapshot = publish.begin_edit(distribution.id, backend)
        publish.set_viewer_protocol_policy(distribution.id, ["*"], policy, snapshot.etag, backend, user=user)

    push(users["alice"], site, "https-only")
    push(users["bob"], site, "redirect-to-https")
    push(users["carol"], elsewhere, "https-only")

    class Refusing(SimulatorBackend):
        def update_distribution(self, distribution_id, config, if_match):
            raise BackendError("InvalidArgument", "No.")

    with pytest.raises(BackendError):
        push(users["bob"], site, "allow-all", Refusing())
    return site, elsewhere, users


def activity(client, **params):
    return client.get(reverse("distributions:activity"), params)


def rows(response):
    return [(e.username, e.distribution_id, e.outcome) for e in response.context["page"]]


class TestActivity:
    def test_it_lists_what_the_user_may_see_newest_first(self, client, activity_world):
        site, elsewhere, users = activity_world
        client.force_login(users["vera"])
        response = activity(client)
        assert response.status_code == 200
        assert rows(response) == [("bob", site.id, "error"), ("bob", site.id, "pushed"), ("alice", site.id, "pushed")]
        assert elsewhere.id not in response.content.decode()

    def test_an_admin_sees_every_team(self, client, activity_world):
        _, elsewhere, _ = activity_world
        admin = UserFactory(username="root", is_superuser=True)
        client.force_login(admin)
        assert ("carol", elsewhere.id, "pushed") in rows(activity(client))

    def test_filter_by_user(self, client, activity_world):
        site, _, users = activity_world
        client.force_login(users["vera"])
        assert rows(activity(client, user="alice")) == [("alice", site.id, "pushed")]
        assert rows(activity(client, user="carol")) == []  # another team's: still nothing

    def test_filter_by_distribution(self, client, activity_world):
        site, elsewhere, users = activity_world
        client.force_login(users["vera"])
        assert len(rows(activity(client, distribution=site.id))) == 3
        assert rows(activity(client, distribution=elsewhere.id)) == []

    def test_filter_by_outcome(self, client, activity_world):
        site, _, users = activity_world
        client.force_login(users["vera"])
        assert rows(activity(client, outcome="error")) == [("bob", site.id, "error")]
        assert len(rows(activity(client, outcome="pushed"))) == 2
        assert len(rows(activity(client, outcome="nonsense"))) == 3  # an unknown outcome filters nothing

    def test_filter_since(self, client, activity_world):
        _, _, users = activity_world
        client.force_login(users["vera"])
        today = timezone.localdate()
        assert len(rows(activity(client, since=today.isoformat()))) == 3
        assert rows(activity(client, since=(today + timedelta(days=1)).isoformat())) == []

    def test_filters_combine(self, client, activity_world):
        site, _, users = activity_world
        client.force_login(users["vera"])
        assert rows(activity(client, user="bob", outcome="pushed", distribution=site.id)) == [
            ("bob", site.id, "pushed")
        ]

    @pytest.mark.parametrize("since", ["yesterday", "26/11/2026", "2026-13-01", "2026-02-30", "2026-11-26T00:00"])
    def test_a_bad_date_is_a_400_with_a_message(self, client, activity_world, since):
        _, _, users = activity_world
        client.force_login(users["vera"])
        response = activity(client, since=since)
        assert response.status_code == 400
        assert b"Use a date like" in response.content

    @pytest.mark.parametrize("since", ["yesterday", "2026-02-30"])
    def test_a_bad_date_in_the_csv_export_is_a_400_too(self, client, activity_world, since):
        _, _, users = activity_world
        client.force_login(users["vera"])
        response = activity(client, since=since, format="csv")
        assert response.status_code == 400
        assert b"Use a date like" in response.content

    def test_csv_has_a_header_and_one_row_per_visible_entry(self, client, activity_world):
        site, elsewhere, users = activity_world
        client.force_login(users["vera"])
        response = activity(client, format="csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        table = list(csv.reader(io.StringIO(response.content.decode())))
        assert table[0] == list(CSV_FIELDS)
        records = [dict(zip(table[0], row, strict=False)) for row in table[1:]]
        assert len(records) == AuditEntry.objects.filter(distribution_id=site.id).count() == 3
        assert {r["distribution_id"] for r in records} == {site.id}
        error = next(r for r in records if r["outcome"] == "error")
        assert (error["username"], error["error_code"], error["error_message"]) == ("bob", "InvalidArgument", "No.")
        pushed = [r for r in records if r["outcome"] == "pushed"]
        assert all(r["etag_before"] and r["etag_after"] and r["request_id"] for r in pushed)

    def test_csv_cells_never_start_a_spreadsheet_formula(self, client, activity_world):
        """A reason, summary or message typed by someone must not run as a formula in a spreadsheet."""
        site, _, users = activity_world
        AuditEntry.objects.create(
            username="mallory",
            distribution_id=site.id,
            action="change-request",
            summary='=HYPERLINK("http://x")',
            outcome=AuditOutcome.REJECTED,
            error_message="@SUM(1+1)",
        )
        client.force_login(users["vera"])
        table = list(csv.reader(io.StringIO(activity(client, format="csv", user="mallory").content.decode())))
        record = dict(zip(table[0], table[1], strict=False))
        assert record["summary"] == '\'=HYPERLINK("http://x")'
        assert record["error_message"] == "'@SUM(1+1)"
        for row in table[1:]:
            assert all(cell[:1] not in ("=", "+", "-", "@") for cell in row)

    def test_csv_follows_the_filters(self, client, activity_world):
        site, _, users = activity_world
        client.force_login(users["vera"])
        table = list(csv.reader(io.StringIO(activity(client, format="csv", user="alice").content.decode())))
        assert len(table) == 2 and table[1][CSV_FIELDS.index("username")] == "alice"

    def test_a_user_without_role_sees_no_activity(self, client, activity_world):
        site, elsewhere, _ = activity_world
        nobody = UserFactory(username="nobody")
        Team.objects.get(name="red").members.add(nobody)
        client.force_login(nobody)
        assert rows(activity(client)) == []
        table = list(csv.reader(io.StringIO(activity(client, format="csv").content.decode())))
        assert table == [list(CSV_FIELDS)]

    def test_the_download_link_keeps_the_filters(self, client, activity_world):
        _, _, users = activity_world
        client.force_login(users["vera"])
        body = activity(client, user="bob", outcome="error").content.decode()
        assert "?user=bob&amp;outcome=error&amp;format=csv" in body

    def test_odd_page_numbers_still_answer(self, client, activity_world):
        _, _, users = activity_world
        client.force_login(users["vera"])
        assert activity(client, page="nonsense").status_code == 200
        assert activity(client, page="999").status_code == 200
