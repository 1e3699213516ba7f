"""Applying a bulk plan: one UpdateDistribution per distribution, resumable, as a background task.

Each result is stored on the ``BulkChange`` as soon as it is known, so the plan
page shows live progress and a run that stopped (a worker restart, a crash)
resumes with the distributions that have no result yet; nothing is pushed twice.
"""

from django.contrib.auth import get_user_model
from django_tasks import task

from distributions import access, pipeline, publish
from distributions.cloudfront import config as cfg

from .models import BulkChange, BulkChangeState
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
    return {"status": outcome.status, "message": _message(outcome)}


def apply_plan(bulk, user, backend=None, progress=None):
    """Apply every pending entry of ``bulk`` in order, storing each result as it comes; returns ``bulk``.

    ``user`` None is the shell's operator (every right, no approval). ``progress``
    is called with (entry, result) after each distribution, for the command line.
    """
    BulkChange.objects.filter(pk=bulk.pk).update(state=BulkChangeState.APPLYING)
    for entry in bulk.pending:
        result = apply_entry(bulk, entry, user, backend)
        bulk.results[entry["id"]] = result
        BulkChange.objects.filter(pk=bulk.pk).update(results=bulk.results)
        if progress:
            progress(entry, result)
    bulk.state = BulkChangeState.DONE
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
    """Apply (or resume) a bulk change in the background; returns "done" or why not."""
    bulk = BulkChange.objects.filter(pk=bulk_id).first()
    if bulk is None:
        return "gone"
    try:
        user = acting_author(bulk)
    except PermissionError as exc:
        return str(exc)
    apply_plan(bulk, user)
    return "done"
