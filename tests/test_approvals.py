"""Change requests (issue 6): when approval is required, an Operator's Yes, Edit waits for an Approver of the team."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from distributions import approvals, publish
from distributions.backends.base import BackendError
from distributions.models import (
    ApprovalRule,
    AuditEntry,
    AuditOutcome,
    ChangeRequest,
    ChangeRequestState,
    Team,
    TeamDistribution,
)
from distributions.sandbox.models import SimulatedDistribution
from distributions.sandbox.simulator import SimulatorBackend

from .factories import UserFactory
from .support import CONFIRMATIONS

pytestmark = pytest.mark.django_db


def make_user(username, groups=(), teams=()):
    user = UserFactory(username=username)
    user.groups.set(Group.objects.filter(name__in=groups))
    for team in teams:
        team.members.add(user)
    return user


def simulated(distribution_id):
    row = SimulatedDistribution.objects.get(pk=distribution_id)
    return row.config, row.etag


def edit_url(distribution_id):
    return reverse("distributions:behavior_edit", args=[distribution_id])


def decide_url(change):
    return reverse("distributions:change_request_decide", args=[change.pk])


def detail_url(change):
    return reverse("distributions:change_request_detail", args=[change.pk])


def outcomes(change):
    return list(AuditEntry.objects.filter(change_request=change).order_by("at", "id").values_list("outcome", flat=True))


@pytest.fixture
def team(make_distribution, simulator):
    """Red owns ``site``; blue owns ``elsewhere``. Olga operates red, Abe approves red, Bea approves blue."""
    red = Team.objects.create(name="red")
    blue = Team.objects.create(name="blue")
    site = make_distribution([("/images/*", "allow-all"), ("/css/*", "allow-all")], comment="Red site")
    elsewhere = make_distribution(comment="Blue site")
    TeamDistribution.objects.create(team=red, distribution_id=site.id)
    TeamDistribution.objects.create(team=blue, distribution_id=elsewhere.id)
    return SimpleNamespace(
        site=site,
        elsewhere=elsewhere,
        simulator=simulator,
        olga=make_user("olga", ["Operator"], [red]),
        abe=make_user("abe", ["Approver"], [red]),
        ann=make_user("ann", ["Approver"], [red]),
        bea=make_user("bea", ["Approver"], [blue]),
        otto=make_user("otto", ["Operator", "Approver"], [red]),
        ada=make_user("ada", ["Admin"]),
    )


def yes_edit(client, distribution_id, behavior="/images/*", policy="https-only"):
    response = client.get(edit_url(distribution_id), {"behavior": behavior})
    assert response.status_code == 200
    etag = response.context["snapshot"].etag
    return client.post(
        edit_url(distribution_id), {"etag": etag, "behavior": behavior, "policy": policy, **CONFIRMATIONS}
    )


@pytest.fixture(params=["fleet-wide", "per-distribution"])
def approval_on(request, team):
    scope = ApprovalRule.FLEET if request.param == "fleet-wide" else team.site.id
    return ApprovalRule.objects.create(distribution_id=scope, required=True)


@pytest.fixture
def submitted(client, team, approval_on):
    """Olga's Yes, Edit on the red site, waiting for approval."""
    client.force_login(team.olga)
    before = simulated(team.site.id)
    response = yes_edit(client, team.site.id)
    assert response.status_code == 302
    assert response.url == reverse("distributions:distribution_history", args=[team.site.id])
    assert simulated(team.site.id) == before
    return ChangeRequest.objects.get()


class TestSubmit:
    def test_an_operators_yes_edit_becomes_a_change_request_and_pushes_nothing(self, client, team, submitted):
        assert submitted.state == ChangeRequestState.SUBMITTED
        assert submitted.author == team.olga
        assert submitted.distribution_id == team.site.id
        assert submitted.etag == simulated(team.site.id)[1]
        assert submitted.config_after["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "https-only"
        assert simulated(team.site.id)[0]["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "allow-all"
        assert outcomes(submitted) == [AuditOutcome.SUBMITTED]
        assert not AuditEntry.objects.filter(outcome=AuditOutcome.PUSHED).exists()

    def test_the_author_is_told_and_the_history_shows_the_request(self, client, team, submitted):
        history = client.get(reverse("distributions:distribution_history", args=[team.site.id]))
        body = history.content.decode()
        assert f"Change request #{submitted.pk} submitted" in body
        assert detail_url(submitted) in body

    def test_the_teams_approvers_see_it_waiting(self, client, team, submitted):
        client.force_login(team.abe)
        waiting = client.get(reverse("distributions:change_request_list")).context["waiting"]
        assert [c.pk for c in waiting] == [submitted.pk]
        detail = client.get(detail_url(submitted))
        assert detail.status_code == 200
        assert detail.context["can_approve"] is True
        assert "Approve and push" in detail.content.decode()
        assert "CacheBehaviors.Items[0].ViewerProtocolPolicy" in detail.content.decode()

    def test_the_author_does_not_see_it_waiting_for_them(self, client, team, submitted):
        response = client.get(reverse("distributions:change_request_list"))
        assert response.context["waiting"] == []
        assert [c.pk for c in response.context["mine"]] == [submitted.pk]
        assert client.get(detail_url(submitted)).context["can_approve"] is False

    def test_an_approval_rule_on_another_distribution_does_not_apply(self, client, team):
        ApprovalRule.objects.create(distribution_id=team.elsewhere.id, required=True)
        client.force_login(team.olga)
        assert yes_edit(client, team.site.id).status_code == 302
        assert not ChangeRequest.objects.exists()
        assert simulated(team.site.id)[0]["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "https-only"

    def test_a_rule_switched_off_does_not_apply(self, client, team):
        ApprovalRule.objects.create(distribution_id=ApprovalRule.FLEET, required=False)
        client.force_login(team.olga)
        assert yes_edit(client, team.site.id).status_code == 302
        assert not ChangeRequest.objects.exists()

    def test_an_admins_own_edit_pushes_directly_even_with_approval_on(self, client, team, approval_on):
        client.force_login(team.ada)
        before_etag = simulated(team.site.id)[1]
        response = yes_edit(client, team.site.id)
        assert response.status_code == 302
        assert response.url == reverse("distributions:distribution_behaviors", args=[team.site.id])
        assert not ChangeRequest.objects.exists()
        config, etag = simulated(team.site.id)
        assert etag != before_etag
        assert config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "https-only"

    def test_an_operator_who_is_also_approver_still_needs_someone_else(self, client, team, approval_on):
        client.force_login(team.otto)
        before = simulated(team.site.id)
        assert yes_edit(client, team.site.id).status_code == 302
        change = ChangeRequest.objects.get()
        assert simulated(team.site.id) == before
        response = client.post(decide_url(change), {"decision": "approve"})
        assert response.status_code == 403
        change.refresh_from_db()
        assert change.state == ChangeRequestState.SUBMITTED
        assert simulated(team.site.id) == before

    def test_a_restore_by_an_operator_also_waits_for_approval(self, client, team, approval_on, simulator):
        snapshot = publish.begin_edit(team.site.id, simulator)
        publish.set_viewer_protocol_policy(
            team.site.id, ["/css/*"], "https-only", snapshot.etag, simulator, user=team.ada
        )
        entry = AuditEntry.objects.get(outcome=AuditOutcome.PUSHED)
        client.force_login(team.olga)
        url = reverse("distributions:history_restore", args=[team.site.id, entry.pk])
        etag = client.get(url).context["snapshot"].etag
        before = simulated(team.site.id)
        response = client.post(url, {"etag": etag, "confirm": "on"})
        assert response.status_code == 302
        assert simulated(team.site.id) == before
        change = ChangeRequest.objects.get()
        assert change.state == ChangeRequestState.SUBMITTED
        assert change.config_after["CacheBehaviors"]["Items"][1]["ViewerProtocolPolicy"] == "allow-all"


class TestApprove:
    def test_the_teams_approver_approves_and_it_is_pushed(self, client, team, submitted):
        etag_before = submitted.etag
        client.force_login(team.abe)
        response = client.post(decide_url(submitted), {"decision": "approve"})
        assert response.status_code == 302
        assert response.url == detail_url(submitted)
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.APPLIED
        assert submitted.decided_by == team.abe and submitted.decided_at is not None
        config, etag = simulated(team.site.id)
        assert etag != etag_before
        assert config == submitted.config_after
        assert outcomes(submitted) == [AuditOutcome.SUBMITTED, AuditOutcome.APPROVED, AuditOutcome.PUSHED]
        pushed = AuditEntry.objects.get(change_request=submitted, outcome=AuditOutcome.PUSHED)
        assert (pushed.username, pushed.etag_before, pushed.etag_after) == ("abe", etag_before, etag)
        assert "approved and pushed" in client.get(response.url).content.decode()

    def test_an_admin_approves_someone_elses_request(self, client, team, submitted):
        client.force_login(team.ada)
        assert client.post(decide_url(submitted), {"decision": "approve"}).status_code == 302
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.APPLIED

    def test_self_approval_is_refused(self, client, team, submitted):
        before = simulated(team.site.id)
        response = client.post(decide_url(submitted), {"decision": "approve"})  # olga, the author
        assert response.status_code == 403
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.SUBMITTED
        assert simulated(team.site.id) == before
        assert outcomes(submitted) == [AuditOutcome.SUBMITTED]

    def test_self_approval_is_refused_even_for_an_admin_author(self, client, team, approval_on, simulator):
        snapshot = publish.begin_edit(team.site.id, simulator)
        _, edited, summary = publish.edit_viewer_protocol_policy(team.site.id, ["*"], "https-only", snapshot.etag)
        change = approvals.submit_change(team.ada, team.site.id, snapshot.config, snapshot.etag, edited, summary)
        before = simulated(team.site.id)
        client.force_login(team.ada)
        for decision in ("approve", "reject"):
            response = client.post(decide_url(change), {"decision": decision, "reason": "mine"})
            assert response.status_code == 403
        change.refresh_from_db()
        assert change.state == ChangeRequestState.SUBMITTED
        assert simulated(team.site.id) == before

    def test_an_approver_of_another_team_gets_a_404(self, client, team, submitted):
        client.force_login(team.bea)
        before = simulated(team.site.id)
        assert client.get(detail_url(submitted)).status_code == 404
        assert client.post(decide_url(submitted), {"decision": "approve"}).status_code == 404
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.SUBMITTED
        assert simulated(team.site.id) == before
        assert client.get(reverse("distributions:change_request_list")).context["waiting"] == []

    def test_a_viewer_or_operator_of_the_team_cannot_decide(self, client, team, submitted):
        viewer = make_user("vic", ["Viewer"], [Team.objects.get(name="red")])
        for user in (viewer, make_user("oscar", ["Operator"], [Team.objects.get(name="red")])):
            client.force_login(user)
            assert client.get(detail_url(submitted)).status_code == 200
            assert client.post(decide_url(submitted), {"decision": "approve"}).status_code == 403
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.SUBMITTED

    def test_approving_twice_pushes_once(self, client, team, submitted):
        client.force_login(team.abe)
        assert client.post(decide_url(submitted), {"decision": "approve"}).status_code == 302
        etag_after_first = simulated(team.site.id)[1]
        client.force_login(team.ann)
        second = client.post(decide_url(submitted), {"decision": "approve"})
        assert second.status_code in (400, 403)
        assert simulated(team.site.id)[1] == etag_after_first
        assert AuditEntry.objects.filter(change_request=submitted, outcome=AuditOutcome.PUSHED).count() == 1
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.APPLIED and submitted.decided_by == team.abe

    def test_two_approvers_racing_with_the_same_request_push_once(self, team, submitted, simulator):
        """Both loaded the request while it was submitted; the conditional UPDATE lets one through."""
        first = ChangeRequest.objects.get(pk=submitted.pk)
        second = ChangeRequest.objects.get(pk=submitted.pk)
        approvals.approve(team.abe, first)
        etag = simulated(team.site.id)[1]
        with pytest.raises(publish.EditError) as raised:
            approvals.approve(team.ann, second)
        assert raised.value.code == "InvalidState"
        assert simulated(team.site.id)[1] == etag
        assert outcomes(submitted) == [AuditOutcome.SUBMITTED, AuditOutcome.APPROVED, AuditOutcome.PUSHED]

    def test_a_refused_push_marks_the_request_failed(self, client, team, submitted, monkeypatch):
        def refuse(self, distribution_id, config, if_match):
            raise BackendError("InvalidArgument", "The parameter ViewerProtocolPolicy is invalid.")

        monkeypatch.setattr(SimulatorBackend, "update_distribution", refuse)
        before = simulated(team.site.id)
        client.force_login(team.abe)
        response = client.post(decide_url(submitted), {"decision": "approve"})
        assert response.status_code == 400
        assert b"InvalidArgument" in response.content
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.FAILED
        assert "InvalidArgument" in submitted.reason
        assert simulated(team.site.id) == before
        assert outcomes(submitted) == [AuditOutcome.SUBMITTED, AuditOutcome.APPROVED, AuditOutcome.ERROR]


class TestStaleRequest:
    def test_a_change_between_submit_and_approve_sends_it_back_to_its_author(self, client, team, submitted, simulator):
        # Someone else changes /css/* meanwhile.
        config, etag = simulator.get_distribution_config(team.site.id)
        config["CacheBehaviors"]["Items"][1]["ViewerProtocolPolicy"] = "redirect-to-https"
        simulator.update_distribution(team.site.id, config, etag)
        meanwhile = simulated(team.site.id)

        client.force_login(team.abe)
        response = client.post(decide_url(submitted), {"decision": "approve"})
        assert response.status_code == 302
        assert simulated(team.site.id) == meanwhile  # nothing pushed
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.DRAFT
        assert "changed" in submitted.reason
        assert outcomes(submitted) == [
            AuditOutcome.SUBMITTED,
            AuditOutcome.APPROVED,
            AuditOutcome.CONFLICT,
            AuditOutcome.RETURNED,
        ]
        conflict = AuditEntry.objects.get(change_request=submitted, outcome=AuditOutcome.CONFLICT)
        assert conflict.etag_before == submitted.etag and conflict.etag_after == meanwhile[1]
        assert conflict.error_code == "PreconditionFailed"
        page = client.get(response.url).content.decode()
        assert "went back to its author" in page
        assert submitted.reason in page

    def test_a_returned_request_cannot_be_approved_again(self, client, team, submitted, simulator):
        config, etag = simulator.get_distribution_config(team.site.id)
        config["Comment"] = "changed elsewhere"
        simulator.update_distribution(team.site.id, config, etag)
        client.force_login(team.abe)
        client.post(decide_url(submitted), {"decision": "approve"})
        meanwhile = simulated(team.site.id)
        response = client.post(decide_url(submitted), {"decision": "approve"})
        assert response.status_code in (400, 403)
        assert simulated(team.site.id) == meanwhile
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.DRAFT


class TestReject:
    @pytest.mark.parametrize("reason", [None, "", "   "])
    def test_a_reason_is_required(self, client, team, submitted, reason):
        client.force_login(team.abe)
        data = {"decision": "reject"} if reason is None else {"decision": "reject", "reason": reason}
        response = client.post(decide_url(submitted), data)
        assert response.status_code == 400
        assert b"Say why" in response.content
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.SUBMITTED
        assert outcomes(submitted) == [AuditOutcome.SUBMITTED]

    def test_reject_records_the_reason_and_pushes_nothing(self, client, team, submitted):
        before = simulated(team.site.id)
        client.force_login(team.abe)
        response = client.post(decide_url(submitted), {"decision": "reject", "reason": "Not before the launch."})
        assert response.status_code == 302
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.REJECTED
        assert submitted.reason == "Not before the launch."
        assert submitted.decided_by == team.abe
        assert simulated(team.site.id) == before
        assert outcomes(submitted) == [AuditOutcome.SUBMITTED, AuditOutcome.REJECTED]
        rejected = AuditEntry.objects.get(change_request=submitted, outcome=AuditOutcome.REJECTED)
        assert rejected.username == "abe" and rejected.error_message == "Not before the launch."
        client.force_login(team.olga)  # the author reads why
        assert "Not before the launch." in client.get(detail_url(submitted)).content.decode()
        assert "Not before the launch." in client.get(reverse("distributions:change_request_list")).content.decode()

    def test_a_rejected_request_cannot_be_approved(self, client, team, submitted):
        client.force_login(team.abe)
        client.post(decide_url(submitted), {"decision": "reject", "reason": "No."})
        before = simulated(team.site.id)
        assert client.post(decide_url(submitted), {"decision": "approve"}).status_code in (400, 403)
        assert simulated(team.site.id) == before

    def test_an_unknown_decision_is_a_400(self, client, team, submitted):
        client.force_login(team.abe)
        assert client.post(decide_url(submitted), {"decision": "maybe"}).status_code == 400
        submitted.refresh_from_db()
        assert submitted.state == ChangeRequestState.SUBMITTED

    def test_decide_refuses_get(self, client, team, submitted):
        client.force_login(team.abe)
        assert client.get(decide_url(submitted)).status_code == 405
