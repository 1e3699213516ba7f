"""Background work through Django's Tasks API (the django-tasks backport).

With ``CONSOLE_TASKS_BACKEND=database`` a ``manage.py db_worker`` runs them:
after a push, the mirror follows the distribution until CloudFront says
Deployed (backing off from 5 s to a minute), each invalidation until it is
Completed (recorded in the audit trail), and ``sync_distributions
--background --every N`` keeps the fleet mirrored. With the default
``immediate`` backend nothing is deferred: pages poll instead, and an approved
change request is pushed within the approver's request.
"""

from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone
from django_tasks import default_task_backend, task

from . import mirror, recording
from .backends.base import BackendError, NoSuchDistribution, get_backend
from .models import AuditEntry, AuditOutcome, Distribution, DistributionStatus

MAX_POLLS = 60


def poll_delay(attempt):
    """Seconds before the next deployment poll: 5 s, growing by half each time, at most 60 s."""
    return min(60.0, 5.0 * 1.5 ** min(attempt, 20))


def can_defer():
    return default_task_backend.supports_defer


@task()
def poll_deployment(distribution_id, attempt=0):
    """Refresh one distribution's mirror; poll again later while it is still In Progress."""
    try:
        row = mirror.sync_distribution(distribution_id)
    except NoSuchDistribution:
        return "gone"
    except BackendError as exc:
        row = None
        status = f"error {exc.code}"
    else:
        status = row.status
    if (row is None or row.status == DistributionStatus.IN_PROGRESS) and attempt < MAX_POLLS and can_defer():
        run_after = timezone.now() + timedelta(seconds=poll_delay(attempt))
        poll_deployment.using(run_after=run_after).enqueue(distribution_id, attempt + 1)
    return status


@task()
def sync_fleet(every_seconds=None):
    """Mirror every distribution; with ``every_seconds``, do it again after that long.

    When the fleet has distributions In Progress, ``refresh_deployments`` follows them until Deployed.
    """
    count = mirror.sync_all()
    settle_pending()
    if every_seconds and can_defer():
        sync_fleet.using(run_after=timezone.now() + timedelta(seconds=every_seconds)).enqueue(every_seconds)
    if can_defer() and Distribution.objects.in_progress().exists():
        refresh_deployments.using(run_after=timezone.now() + timedelta(seconds=poll_delay(0))).enqueue()
    return count


@task()
def refresh_deployments(attempt=0):
    """One batched refresh of every distribution the mirror shows In Progress; again later while any remain.

    This, and each row's htmx status badge, keep the list's statuses current: the list page itself
    never calls the backend.
    """
    try:
        still = mirror.refresh_in_progress()
    except BackendError as exc:
        still, outcome = None, f"error {exc.code}"
    else:
        outcome = f"{still} In Progress"
    if (still is None or still) and attempt < MAX_POLLS and can_defer():
        run_after = timezone.now() + timedelta(seconds=poll_delay(attempt))
        refresh_deployments.using(run_after=run_after).enqueue(attempt + 1)
    return outcome


def follow_deployment(distribution_id):
    """After a push: have a worker follow the deployment, when a worker can defer work."""
    if can_defer():
        poll_deployment.using(run_after=timezone.now() + timedelta(seconds=poll_delay(0))).enqueue(distribution_id)


@task()
def poll_invalidation(distribution_id, invalidation_id, attempt=0):
    """Follow an invalidation until CloudFront says Completed, then record it in the audit trail."""
    try:
        invalidations = get_backend().list_invalidations(distribution_id)
    except BackendError as exc:
        status = f"error {exc.code}"
    else:
        status = next((i["Status"] for i in invalidations if i["Id"] == invalidation_id), "gone")
    if status == "Completed":
        AuditEntry.objects.create(
            username="(console worker)",
            distribution_id=distribution_id,
            action="invalidation",
            summary=f"Invalidation {invalidation_id} completed",
            outcome=AuditOutcome.COMPLETED,
        )
    elif status != "gone" and attempt < MAX_POLLS and can_defer():
        run_after = timezone.now() + timedelta(seconds=poll_delay(attempt))
        poll_invalidation.using(run_after=run_after).enqueue(distribution_id, invalidation_id, attempt + 1)
    return status


def follow_invalidation(distribution_id, invalidation_id):
    """After CreateInvalidation: have a worker record when it completes, when a worker can defer work."""
    if can_defer():
        run_after = timezone.now() + timedelta(seconds=poll_delay(0))
        poll_invalidation.using(run_after=run_after).enqueue(distribution_id, invalidation_id)


@task()
def retry_recording(entry_id, outcome, answer, attempt=0):
    """Complete a push's pending audit entry with CloudFront's answer, which its push could not record."""
    if recording.finish(entry_id, outcome, **answer):
        return "recorded"
    if attempt < MAX_POLLS and can_defer():
        run_after = timezone.now() + timedelta(seconds=poll_delay(attempt))
        retry_recording.using(run_after=run_after).enqueue(entry_id, outcome, answer, attempt + 1)
    return "still pending"


def retry_recording_later(entry_id, outcome, answer):
    """After a push whose recording failed: have a worker retry it (a page read also completes it, see ``settle``)."""
    if not can_defer():
        return  # the immediate backend would retry at once, against the same refusal: the next read settles it
    try:
        run_after = timezone.now() + timedelta(seconds=poll_delay(0))
        retry_recording.using(run_after=run_after).enqueue(entry_id, outcome, answer)
    except DatabaseError:
        pass  # the queue lives in the same database: the next read of the distribution settles the entry


def settle_pending(backend=None):
    """Read every distribution that has pending audit entries, which completes them (``recording.settle``).

    For pushes whose process died after CloudFront said yes: run with every fleet sync.
    """
    backend = backend or get_backend()
    ids = AuditEntry.objects.filter(outcome=AuditOutcome.PENDING).values_list("distribution_id", flat=True)
    settled = 0
    for distribution_id in sorted(set(ids)):
        try:
            settled += mirror.read(distribution_id, backend).settled
        except BackendError:  # gone or unreachable: its entries stay pending, shown as such
            continue
    return settled
