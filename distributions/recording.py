"""Recording pushes so that no change CloudFront applied goes without its audit entry.

A push is recorded in two steps. Before anything is sent, ``begin`` writes a *pending*
entry (who, what, both configs, the ETag the push starts from); if the database refuses,
nothing is sent. After CloudFront answers, ``finish`` completes that entry (pushed, conflict,
error) with one conditional UPDATE that only a pending entry accepts, so a completed entry
never changes again (``AuditQuerySet.complete``).

When completing fails (the database refuses, the process dies after CloudFront said yes),
the entry stays pending: nothing applied is ever without an entry. It is completed later:
with CloudFront's answer by ``tasks.retry_recording`` when a worker runs, else by the next
read of the distribution (``settle``, called by ``mirror.read``), from what CloudFront holds.
"""

import logging
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone

from .cloudfront import changes
from .models import AuditEntry, AuditOutcome

logger = logging.getLogger(__name__)

# Longer than one UpdateDistribution call can take with botocore's retries: a pending entry younger than
# this may belong to a push still waiting for CloudFront's answer, so a read does not call it lost.
GRACE = timedelta(minutes=15)
RECORDING_FAILED = "CloudFront accepted the change; recording it failed and will be retried."
NOT_RECORDED = "The console could not record this change, so it did not send it: nothing was changed."


class RecordingUnavailable(Exception):
    """The pending entry could not be written: nothing was sent."""

    def __init__(self):
        super().__init__(NOT_RECORDED)
        self.message = NOT_RECORDED


def begin(record):
    """Write the pending entry of a push about to be sent; raises RecordingUnavailable if the database refuses."""
    try:
        with transaction.atomic():
            return AuditEntry.objects.create(**record, outcome=AuditOutcome.PENDING)
    except DatabaseError:
        logger.warning("The audit trail refused a pending entry for %s: nothing sent", record["distribution_id"])
        raise RecordingUnavailable() from None


def finish(entry_id, outcome, **fields):
    """Complete a pending entry; False when the database refused (the entry stays pending, to be completed later).

    True too when someone else completed it first (a read that saw the change applied): it is recorded.
    """
    try:
        with transaction.atomic():
            AuditEntry.objects.complete(entry_id, outcome, **fields)
    except DatabaseError:
        logger.warning("Completing audit entry %s (%s) failed; it stays pending", entry_id, outcome)
        return False
    return True


def settle(distribution_id, config, etag, now=None):
    """Complete the distribution's pending entries from what CloudFront holds now (``config``, ``etag``).

    - the change's fields hold and the ETag moved on: it was applied → pushed;
    - after ``GRACE``, still the ETag it started from: CloudFront never applied it → error, nothing changed;
    - after ``GRACE``, anything else: whether it was applied before later changes cannot be told → unconfirmed.
    Returns how many entries were completed; a database that refuses leaves them pending for the next read.
    """
    now = now or timezone.now()
    completed = 0
    try:
        pending = list(AuditEntry.objects.filter(distribution_id=distribution_id, outcome=AuditOutcome.PENDING))
    except DatabaseError:
        return 0
    for entry in sorted(pending, key=lambda e: e.pk):
        outcome, fields = _verdict(entry, config, etag, now)
        if outcome and finish(entry.pk, outcome, **fields):
            completed += 1
    return completed


def _verdict(entry, config, etag, now):
    when = f"{now:%Y-%m-%d %H:%M:%S} UTC"
    if etag != entry.etag_before and changes.holds(changes.changes(entry.config_before, entry.config_after), config):
        note = (
            f"Recorded at {when} from CloudFront's configuration: every field of this change holds in "
            f"version {etag} (the push's own recording of CloudFront's answer did not complete)."
        )
        return AuditOutcome.PUSHED, {"etag_after": etag, "note": note}
    if now - entry.at < GRACE:
        return None, {}
    if etag == entry.etag_before:
        message = (
            f"The console stopped before CloudFront answered, and CloudFront still holds version {etag}, "
            "the one this change started from: nothing was changed."
        )
        return AuditOutcome.ERROR, {"error_code": "NotApplied", "error_message": message, "note": f"Checked at {when}."}
    message = (
        f"The console stopped before recording CloudFront's answer, and the distribution has changed since "
        f"(now version {etag}) without this change's fields: whether it was applied and then changed again "
        "cannot be told."
    )
    return AuditOutcome.UNCONFIRMED, {
        "error_code": "Unconfirmed",
        "error_message": message,
        "note": f"Checked at {when}.",
    }
