"""Applying a bulk plan: one UpdateDistribution per distribution, resumable, as a background task.

Each result is stored on the ``BulkChange`` as soon as it is known, so the plan
page shows live progress and a run that stopped (a worker restart, a crash)
resumes with the distributions that have no result yet; nothing is pushed twice.

An error about one distribution (a stale ETag, CloudFront refusing its config)
is that distribution's result and the run goes on. An error about the service
(throttling or a 5xx still there after botocore's standard retries, no
connection, no credentials) would meet every distribution that follows, so the
run stops there: that distribution is ``interrupted`` and, with the rest, is
tried again on resume with the same reviewed ETags.
"""

from django.contrib.auth import get_user_model
from django_tasks import task

from distributions import access, pipeline, publish
from distributions.cloudfront import config as cfg

from .models import INTERRUPTED, BulkChange, BulkChangeState
from .plan import ACTION, CHECKLIST, DONE_STATUSES, SKIPPED

COMMAND_LINE = "(command line)"


def _summary(bulk, entry):
    label = cfg.POLICY_LABELS[bulk.policy]
    return f"{bulk.reference}: Viewer Protocol Policy of {', '.join(entry['patterns'])} set to {label} ({bulk.policy})"


def _message(outcome):
    if outcome.status == pipeline.PUSHED:
        return f"Pushed; ETag {outcome.row.etag}."
    if outcome.status == pipeline.SUBMITTED:
        return f"Change request #{outcome.change_request.pk} submitted for approval."
    if outcome.status == pipeline.CONFLICT:
        return str(outcome.conflict)
    return " ".join(outcome.errors)


def apply_entry(bulk, entry, user, backend=None):
    """Push one distribution's part of the plan with the ETag it was reviewed on: ``{"status", "message"}``."""
    if entry.get("error"):
        return {"status": SKIPPED, "message": entry["error"]}
    if user is not None and not access.can_edit(user, entry["id"]):
        return {"status": SKIPPED, "message": "AccessDenied: you can no longer change this distribution."}
    snapshot = publish.snapshot_for(entry["id"], entry["etag"])
    if snapshot is None:
        return {"status": pipeline.FAILED, "message": "The version this plan reviewed is no longer kept; plan again."}
    after = cfg.set_viewer_protocol_policy(snapshot.config, entry["patterns"], bulk.policy)
    prefix = f"{entry['id']}|"
    outcome = pipeline.submit_reviewed(
        user, snapshot, after, action=ACTION, summary=_summary(bulk, entry)[:500],
        confirmations=[CHECKLIST], confirmed=["confirm"] if bulk.confirmed else [],
        acknowledged=[a.removeprefix(prefix) for a in bulk.acknowledged if a.startswith(prefix)],
        backend=backend,
    )  # fmt: skip
    return _result(entry, outcome, after)


def _result(entry, outcome, after):
    """The stored result of one attempt; ``interrupted`` when the service, not this distribution, failed."""
    conflict = outcome.conflict
    if outcome.status == pipeline.CONFLICT and _holds(entry["id"], conflict.current_etag, after):
        # A 5xx or a lost connection can come after CloudFront applied the update: the
        # version now current is this plan's own change, not someone else's edit.
        return {
            "status": pipeline.PUSHED,
            "message": f"Already applied: ETag {conflict.current_etag} holds exactly this plan's change "
            "(an earlier attempt went through before its answer was lost, or the same edit was made elsewhere).",
        }
    error = outcome.backend_error
    if outcome.status == pipeline.FAILED and error is not None and error.status >= 500:
        return {
            "status": INTERRUPTED,
            "message": f"{error.code}: {error.message} Stopped here; Resume tries this distribution again "
            "with the reviewed ETag (nothing is overwritten), then the rest.",
        }
    return {"status": outcome.status, "message": _message(outcome)}


def _holds(distribution_id, etag, config):
    current = publish.snapshot_for(distribution_id, etag)
    return current is not None and current.config == config


def apply_plan(bulk, user, backend=None, progress=None):
    """Apply every pending entry of ``bulk`` in order, storing each result as it comes; returns ``bulk``.

    ``user`` None is the shell's operator (every right, no approval). ``progress``
    is called with (entry, result) after each distribution, for the command line.
    The run stops at an ``interrupted`` result (state ``stopped``); resume applies the rest.
    """
    BulkChange.objects.filter(pk=bulk.pk).update(state=BulkChangeState.APPLYING)
    bulk.state = BulkChangeState.DONE
    for entry in bulk.pending:
        result = apply_entry(bulk, entry, user, backend)
        bulk.results[entry["id"]] = result
        BulkChange.objects.filter(pk=bulk.pk).update(results=bulk.results)
        if progress:
            progress(entry, result)
        if result["status"] == INTERRUPTED:
            bulk.state = BulkChangeState.STOPPED
            break
    BulkChange.objects.filter(pk=bulk.pk).update(state=bulk.state)
    return bulk


def tally(bulk):
    """(done, skipped): entries pushed or filed for approval, and entries that were not."""
    planned = [e for e in bulk.plan if e["patterns"] or e.get("error")]
    done = sum(1 for e in planned if bulk.results.get(e["id"], {}).get("status") in DONE_STATUSES)
    return done, len(planned) - done


def acting_author(bulk):
    """The user the plan acts as: its author, None for the command line; refuses an author who is gone."""
    if bulk.author_id is not None:
        return get_user_model().objects.get(pk=bulk.author_id)
    if bulk.username == COMMAND_LINE:
        return None
    raise PermissionError(f"{bulk.reference}: its author is gone; nobody may apply it on their behalf.")


@task()
def apply_bulk_change(bulk_id):
    """Apply (or resume) a bulk change in the background; returns its state ("done", "stopped") or why not."""
    bulk = BulkChange.objects.filter(pk=bulk_id).first()
    if bulk is None:
        return "gone"
    try:
        user = acting_author(bulk)
    except PermissionError as exc:
        return str(exc)
    return apply_plan(bulk, user).state
