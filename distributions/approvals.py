"""Approvals: an Operator's reviewed change becomes a change request; an Approver's yes pushes it once.

submitted → approved (one conditional UPDATE: only one approver's click counts) →
applying (claimed by the task, so a second delivery finds nothing) → applied,
draft (the distribution changed since: back to its author) or failed.
"""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import publish, recording
from .backends.base import BackendError
from .cloudfront import config as cfg
from .models import AuditEntry, AuditOutcome, ChangeRequest, ChangeRequestState
from .publish import actor


def submit_change(user, distribution_id, config_before, etag, edited, summary):
    """Record an Operator's Yes, Edit as a change request for an Approver; nothing is pushed."""
    with transaction.atomic():
        request = ChangeRequest.objects.create(
            distribution_id=distribution_id,
            author=user,
            summary=summary[:500],
            etag=etag,
            config_before=config_before,
            config_after=edited,
        )
        AuditEntry.objects.create(
            **actor(user),
            distribution_id=distribution_id,
            action="change-request",
            summary=summary[:500],
            changes=[list(c) for c in cfg.diff(config_before, edited)],
            config_before=config_before,
            config_after=edited,
            etag_before=etag,
            outcome=AuditOutcome.SUBMITTED,
            change_request=request,
        )
    return request


def approve(user, request):
    """Approve a submitted change request and queue its push (inline with the immediate task backend).

    The state moves submitted → approved in one conditional UPDATE, so only one
    approver's click counts; ``apply_change_request`` then pushes it once.
    Returns the request as it stands afterwards (applied, draft, failed, or
    still approved while a worker has it).
    """
    _decide(user, request, ChangeRequestState.APPROVED, AuditOutcome.APPROVED)
    push_change_request.enqueue(request.pk)
    request.refresh_from_db()
    return request


def apply_change_request(request_pk, backend=None):
    """Push an approved change request exactly once, whatever the number of workers.

    approved → applying is one conditional UPDATE: a second delivery of the same
    task finds nothing to claim. A stale ETag sends the request back to its
    author (draft); a refused push marks it failed; otherwise it is applied.
    """
    claimed = ChangeRequest.objects.filter(pk=request_pk, state=ChangeRequestState.APPROVED).update(
        state=ChangeRequestState.APPLYING
    )
    if not claimed:
        return None
    request = ChangeRequest.objects.select_related("decided_by").get(pk=request_pk)
    approver = request.decided_by
    try:
        publish.push_config(
            request.distribution_id,
            request.config_before,
            request.etag,
            request.config_after,
            action="change-request",
            summary=request.summary,
            user=approver,
            backend=backend,
            change_request=request,
        )
    except publish.EditConflict:
        ChangeRequest.objects.filter(pk=request.pk).update(
            state=ChangeRequestState.DRAFT,
            reason="The distribution changed after this request was reviewed; start again from the current configuration.",
        )
        AuditEntry.objects.create(
            **actor(approver),
            distribution_id=request.distribution_id,
            action="change-request",
            summary=request.summary,
            etag_before=request.etag,
            outcome=AuditOutcome.RETURNED,
            change_request=request,
        )
        return ChangeRequestState.DRAFT
    except BackendError as exc:
        ChangeRequest.objects.filter(pk=request.pk).update(
            state=ChangeRequestState.FAILED, reason=f"{exc.code}: {exc.message}"
        )
        return ChangeRequestState.FAILED
    except recording.RecordingUnavailable as exc:
        ChangeRequest.objects.filter(pk=request.pk).update(state=ChangeRequestState.FAILED, reason=exc.message)
        return ChangeRequestState.FAILED
    ChangeRequest.objects.filter(pk=request.pk).update(state=ChangeRequestState.APPLIED)
    return ChangeRequestState.APPLIED


def reject(user, request, reason):
    """Reject a submitted change request with a reason for its author."""
    reason = (reason or "").strip()
    if not reason:
        raise publish.EditError("Say why the change request is rejected.", "InvalidArgument")
    _decide(user, request, ChangeRequestState.REJECTED, AuditOutcome.REJECTED, reason=reason[:2000])


def _decide(user, request, state, outcome, reason=""):
    """Claim a submitted request for one decision (one conditional UPDATE: only one click counts) and record it."""
    claimed = ChangeRequest.objects.filter(pk=request.pk, state=ChangeRequestState.SUBMITTED).update(
        state=state, decided_by=user, decided_at=timezone.now(), **({"reason": reason} if reason else {})
    )
    if not claimed:
        raise publish.EditError("This change request is no longer waiting for approval.", "InvalidState")
    AuditEntry.objects.create(
        **actor(user),
        distribution_id=request.distribution_id,
        action="change-request",
        summary=request.summary,
        etag_before=request.etag,
        outcome=outcome,
        change_request=request,
        error_message=reason,
    )


@task()
def push_change_request(change_request_id):
    """Push an approved change request (once: see ``apply_change_request``)."""
    return apply_change_request(change_request_id)
