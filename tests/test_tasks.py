"""Background work: deployment polling and fleet sync through Django's Tasks API."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tasks import default_task_backend

from distributions import approvals, publish, tasks
from distributions.models import Distribution
from distributions.sandbox.models import SimulatedDistribution

pytestmark = pytest.mark.django_db(transaction=True)

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def push(distribution, policy="https-only"):
    snapshot = publish.begin_edit(distribution.id)
    return publish.set_viewer_protocol_policy(distribution.id, ["*"], policy, snapshot.etag)


@pytest.mark.parametrize("attempt, seconds", [(0, 5.0), (1, 7.5), (2, 11.25), (10, 60.0), (100, 60.0)])
def test_polls_back_off_to_a_minute(attempt, seconds):
    assert tasks.poll_delay(attempt) == seconds


def test_with_the_immediate_backend_a_push_defers_nothing(make_distribution, settings):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
    row = push(make_distribution())
    assert row.status == "InProgress"
    assert not tasks.can_defer()


@override_settings(TASKS=DUMMY)
def test_a_push_has_a_worker_follow_the_deployment_until_deployed(make_distribution, settings):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
    distribution = make_distribution()
    push(distribution)
    queued = default_task_backend.results
    assert [r.task.name for r in queued] == ["poll_deployment"]
    assert queued[0].args == [distribution.id]
    # Still deploying: the poll asks to be run again, later.
    assert tasks.poll_deployment.call(distribution.id, 0) == "InProgress"
    assert len(default_task_backend.results) == 2 and default_task_backend.results[1].args == [distribution.id, 1]
    assert default_task_backend.results[1].task.run_after > queued[0].task.run_after
    # Deployed: the mirror says so, and polling stops.
    SimulatedDistribution.objects.filter(pk=distribution.id).update(deploy_ready_at="2000-01-01T00:00:00Z")
    assert tasks.poll_deployment.call(distribution.id, 1) == "Deployed"
    assert Distribution.objects.get(pk=distribution.id).status == "Deployed"
    assert len(default_task_backend.results) == 2


@override_settings(TASKS=DATABASE)
def test_the_database_worker_runs_the_queued_sync(make_distribution):
    distribution = make_distribution(comment="before")
    SimulatedDistribution.objects.filter(pk=distribution.id).update(
        config={**SimulatedDistribution.objects.get(pk=distribution.id).config, "Comment": "after"}
    )
    out = StringIO()
    call_command("sync_distributions", "--background", stdout=out)
    assert "Queued the sync" in out.getvalue()
    assert Distribution.objects.get(pk=distribution.id).comment == "before"
    call_command("db_worker", "--batch", stdout=StringIO(), stderr=StringIO())
    assert Distribution.objects.get(pk=distribution.id).comment == "after"


def test_repeating_needs_a_worker_that_can_defer(db):
    with pytest.raises(CommandError, match="CONSOLE_TASKS_BACKEND=database"):
        call_command("sync_distributions", "--background", "--every", "300", stdout=StringIO())
    with pytest.raises(CommandError, match="at least 60 seconds"):
        call_command("sync_distributions", "--background", "--every", "5", stdout=StringIO())


def _submitted_request(make_distribution, user):
    distribution = make_distribution([("/a/*", "allow-all")])
    snapshot = publish.begin_edit(distribution.id)
    _, edited, summary = publish.edit_viewer_protocol_policy(distribution.id, ["/a/*"], "https-only", snapshot.etag)
    return distribution, approvals.submit_change(user, distribution.id, snapshot.config, snapshot.etag, edited, summary)


@override_settings(TASKS=DUMMY)
def test_an_approval_queues_the_push_and_a_second_delivery_pushes_nothing(make_distribution):
    from distributions.models import AuditEntry, ChangeRequest

    from .factories import UserFactory

    author, approver = UserFactory(username="author"), UserFactory(username="approver")
    distribution, change = _submitted_request(make_distribution, author)
    change = approvals.approve(approver, change)
    assert change.state == "approved"
    assert [r.task.name for r in default_task_backend.results] == ["push_change_request"]
    etag = SimulatedDistribution.objects.get(pk=distribution.id).etag
    assert approvals.push_change_request.call(change.pk) == "applied"
    assert approvals.push_change_request.call(change.pk) is None  # delivered twice: pushed once
    assert ChangeRequest.objects.get(pk=change.pk).state == "applied"
    assert SimulatedDistribution.objects.get(pk=distribution.id).etag != etag
    assert AuditEntry.objects.filter(change_request=change, outcome="pushed").count() == 1


@override_settings(TASKS=DUMMY)
def test_a_worker_follows_an_invalidation_and_records_its_completion(make_distribution, settings):
    from distributions.models import AuditEntry
    from distributions.sandbox.models import SimulatedInvalidation

    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
    distribution = make_distribution()
    created = publish.create_invalidation(distribution.id, "/*")
    assert [r.task.name for r in default_task_backend.results] == ["poll_invalidation"]
    assert tasks.poll_invalidation.call(distribution.id, created["Id"], 0) == "InProgress"
    assert default_task_backend.results[-1].args == [distribution.id, created["Id"], 1]
    SimulatedInvalidation.objects.filter(pk=created["Id"]).update(ready_at="2000-01-01T00:00:00Z")
    assert tasks.poll_invalidation.call(distribution.id, created["Id"], 1) == "Completed"
    entry = AuditEntry.objects.get(outcome="completed")
    assert entry.summary == f"Invalidation {created['Id']} completed"
    assert len(default_task_backend.results) == 2


@override_settings(TASKS=DUMMY)
def test_one_batched_refresh_follows_every_distribution_in_progress(make_distribution, settings):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
    pushed = [make_distribution(comment=f"site {n}") for n in range(3)]
    for distribution in pushed:
        push(distribution)
    assert Distribution.objects.in_progress().count() == 3
    assert tasks.refresh_deployments.call() == "3 In Progress"
    again = [r for r in default_task_backend.results if r.task.name == "refresh_deployments"]
    assert [r.args for r in again] == [[1]]
    SimulatedDistribution.objects.update(deploy_ready_at="2000-01-01T00:00:00Z")
    assert tasks.refresh_deployments.call(1) == "0 In Progress"
    assert Distribution.objects.in_progress().count() == 0
    assert len([r for r in default_task_backend.results if r.task.name == "refresh_deployments"]) == 1
