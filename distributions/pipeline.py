"""One pipeline for every change: review it, refuse what must not go, then push or file a change request.

Every way of changing a distribution goes through ``submit_reviewed``: the Behaviors
edit, Change precedence, the origin edit, the General settings edit, Restore and
Revert, the ``set_viewer_protocol_policy`` command and the sandbox's Reset. The
review is computed once, here; the caller renders the returned ``Outcome``.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User

from . import access, approvals, publish, recording
from .backends.base import Backend, BackendError, get_backend
from .cloudfront import config as cfg
from .cloudfront import service_model
from .cloudfront.certificates import certificate_reference
from .models import ChangeRequest, Distribution, EditSnapshot
from .review import Review, review

PUSHED, SUBMITTED, UNCHANGED, REFUSED, CONFLICT, FAILED = (
    "pushed",
    "submitted",
    "unchanged",
    "refused",
    "conflict",
    "failed",
)

# For the sandbox's Reset, whose starting configs hold deliberate mistakes: every acknowledgeable error.
ACKNOWLEDGE_ALL = object()
UNACKNOWLEDGED = "This change adds checklist errors: acknowledge each one, or change the edit."


@dataclass(frozen=True)
class Confirmation:
    """A box the user must tick before this change goes (the step-7 checklist, Restore's review)."""

    name: str
    message: str


@dataclass(frozen=True)
class Outcome:
    """What became of a reviewed change; exactly one of row / change_request / conflict is set when it went."""

    status: str
    review: Review
    errors: tuple[str, ...] = ()
    row: Distribution | None = None
    change_request: ChangeRequest | None = None
    conflict: publish.EditConflict | None = None
    backend_error: BackendError | None = None
    # PUSHED but its audit entry is still pending (the database refused CloudFront's answer): see recording.py.
    recorded: bool = True


def review_change(before: dict, after: dict, backend: Backend | None = None) -> Review:
    """The review of a change, with the custom certificates' names when the backend knows them."""
    backend = backend or get_backend()
    names_before = backend.certificate_names(certificate_reference(before))
    names_after = backend.certificate_names(certificate_reference(after))
    change_review = review(before, after, names_before, names_after)
    if not enforces_rules(backend):
        change_review.authoritative = False
        known = {problem.message for problem in cfg.problems(before)}
        change_review.warnings = [
            f"{problem.code}: {problem.message}" for problem in cfg.problems(after) if problem.message not in known
        ]
    return change_review


def enforces_rules(backend: Backend) -> bool:
    """Whether the console refuses locally what breaks CloudFront's rules: only where it is CloudFront.

    In AWS mode AWS decides (an account may have raised quotas, CloudFront may have learnt new
    values), so the console's checks are warnings and AWS's own error is shown verbatim.
    """
    return getattr(backend, "name", "simulator") != "aws"


def refusals(
    change_review: Review,
    confirmations: Iterable[Confirmation],
    confirmed: Iterable[str],
    acknowledged: Iterable[str],
) -> list[str]:
    """Why this change cannot go as it stands: CloudFront's refusals, unticked boxes, unacknowledged errors."""
    errors = [f"Refused: {f.message}" for f in change_review.refused]
    confirmed = set(confirmed)
    errors += [c.message for c in confirmations if c.name not in confirmed]
    if acknowledged is not ACKNOWLEDGE_ALL and change_review.unacknowledged(acknowledged):
        errors.append(UNACKNOWLEDGED)
    return errors


def submit_reviewed(
    user: User | None,
    snapshot: EditSnapshot,
    after: dict,
    *,
    action: str,
    summary: str,
    confirmations: Iterable[Confirmation] = (),
    confirmed: Iterable[str] = (),
    acknowledged: Iterable[str] = (),
    backend: Backend | None = None,
) -> Outcome:
    """Review ``after`` against the snapshot the user reviewed, then push it or file it for approval.

    ``user`` is None for the command line without ``--user``, which acts as an Admin.
    Nothing is sent when the change is refused or changes nothing. A stale ETag is a
    CONFLICT (nothing changed); a refusal from CloudFront itself is FAILED, with its
    code and message, and recorded in the audit trail by ``publish.push_config``. A push CloudFront
    accepted is PUSHED even when its recording failed (``recorded`` False, the reason in ``errors``):
    the change was made, and its pending entry is completed later.
    """
    backend = backend or get_backend()
    # The checklist reads only configs of the model's shape; one that breaks it goes unreviewed to the
    # backend, whose refusal (MalformedXML, or botocore's parameter validation) is FAILED and recorded.
    readable = isinstance(after, dict) and not service_model.violations(after)
    change_review = review_change(snapshot.config, after if readable else snapshot.config, backend)
    if after == snapshot.config:
        return Outcome(UNCHANGED, change_review, ("No changes to save.",))
    errors = refusals(change_review, confirmations, confirmed, acknowledged)
    if errors:
        return Outcome(REFUSED, change_review, tuple(errors))
    distribution_id = snapshot.distribution_id
    if user is not None and access.approval_required(user, distribution_id):
        request = approvals.submit_change(user, distribution_id, snapshot.config, snapshot.etag, after, summary)
        return Outcome(SUBMITTED, change_review, change_request=request)
    try:
        pushed = publish.push_config(
            distribution_id, snapshot.config, snapshot.etag, after, action=action, summary=summary, user=user,
            backend=backend,
        )  # fmt: skip
    except recording.RecordingUnavailable as exc:
        unavailable = BackendError("ServiceUnavailable", exc.message, 503)
        return Outcome(FAILED, change_review, (exc.message,), backend_error=unavailable)
    except publish.EditConflict as conflict:
        return Outcome(CONFLICT, change_review, conflict=conflict)
    except BackendError as exc:
        message = f"CloudFront refused the change: {exc.code}: {exc.message}"
        return Outcome(FAILED, change_review, (message,), backend_error=exc)
    row = pushed.row or Distribution.objects.filter(pk=distribution_id).first()
    notes = () if pushed.recorded else (recording.RECORDING_FAILED,)
    return Outcome(PUSHED, change_review, notes, row=row, recorded=pushed.recorded)
