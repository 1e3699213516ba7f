"""What the API changes, through the console's pipeline: rights, approvals, the push, the audit trail.

Updates go through ``pipeline.submit_reviewed`` (IfMatch, approvals, History);
creation through ``publish.import_distribution``; deletion and invalidations
through the backend with an audit entry each. Every audit summary starts with
``via API (key AKIA…): `` and names the key's owner as the user.
"""

import contextlib

from django.conf import settings
from django.db import transaction

from .. import access, mirror, pipeline, publish, tasks
from ..backends.base import BackendError, NoSuchDistribution, PreconditionFailed, get_backend
from ..cloudfront import config as cfg
from ..models import AuditEntry, AuditOutcome
from .models import DistributionTag
from .protocol import api_error

MISSING_IF_MATCH = "The If-Match version is missing or not valid for the resource."


def audit(caller, distribution_id, action, summary, outcome, error=None, **fields):
    """One audit entry for an API call, attributed to the key's owner."""
    if error is not None:
        fields.update(error_code=error.code, error_message=error.message)
        outcome = AuditOutcome.CONFLICT if error.code == "PreconditionFailed" else AuditOutcome.ERROR
    AuditEntry.objects.create(
        user=caller.user,
        username=caller.user.get_username(),
        distribution_id=distribution_id,
        action=action,
        summary=(caller.via + summary)[:500],
        outcome=outcome,
        request_id=fields.pop("request_id", caller.request_id),
        **fields,
    )


def describe(before, after):
    """A one-line account of what an update changes, for History."""
    changes = cfg.diff(before, after)
    if not changes:
        return "UpdateDistribution with no change"
    shown = "; ".join(f"{path} {old!r} → {new!r}" for path, old, new in changes[:3])
    more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
    return f"UpdateDistribution: {shown}{more}"


def _as_distribution(row, config):
    """GetDistribution's Distribution for a mirror row just written by a push or an import."""
    return {
        "Id": row.id,
        "ARN": row.arn,
        "Status": row.status,
        "LastModifiedTime": row.last_modified,
        "InProgressInvalidationBatches": 0,
        "DomainName": row.domain_name,
        "DistributionConfig": config,
    }


def create_distribution(caller, config):
    """CreateDistribution: Admins only (a new distribution belongs to no team yet); returns (Distribution, ETag)."""
    if not access.is_admin(caller.user):
        raise caller.denied("CreateDistribution", "distributions", "only Admins create distributions.")
    try:
        row = publish.import_distribution({"DistributionConfig": config})
    except BackendError as exc:
        audit(caller, "", "api-create", "CreateDistribution refused", None, error=exc, config_after=config)
        raise
    except publish.EditError as exc:
        raise api_error(exc.code, exc.message) from None
    audit(
        caller,
        row.id,
        "api-create",
        f"CreateDistribution {row.id} ({row.domain_name})",
        AuditOutcome.PUSHED,
        config_after=config,
        etag_after=row.etag,
    )
    return _as_distribution(row, config), row.etag


def _check_like_cloudfront(current, config):
    """Refuse at once what CloudFront would refuse, before an update is filed for approval."""
    if config.get("CallerReference") != current.get("CallerReference"):
        raise api_error("IllegalUpdate", "The CallerReference of a distribution cannot be changed.")
    try:
        cfg.validate(config, settings.CONSOLE_SIMULATOR_QUOTAS)  # raised quotas, as the simulator has them
    except cfg.ConfigError as exc:
        raise api_error(exc.code, exc.message, exc.status) from None


def update_distribution(caller, distribution_id, config, if_match):
    """UpdateDistribution: IfMatch must be the current ETag; pushes, or files a change request (AccessDenied)."""
    caller.require_edit(distribution_id, "UpdateDistribution")
    backend = get_backend()
    current, etag = backend.get_distribution_config(distribution_id)
    summary = describe(current, config)
    record = {"config_before": current, "config_after": config, "etag_before": if_match or ""}
    if not if_match or if_match != etag:
        error = PreconditionFailed() if if_match else api_error("InvalidIfMatchVersion", MISSING_IF_MATCH)
        refused = (
            f"UpdateDistribution refused: If-Match {if_match} is not the current ETag"
            if if_match
            else ("UpdateDistribution refused: no If-Match")
        )
        audit(caller, distribution_id, "api-update", refused, None, error=error, etag_after=etag, **record)
        raise error
    if access.approval_required(caller.user, distribution_id):
        _check_like_cloudfront(current, config)
    snapshot = publish.begin_edit(distribution_id, backend)
    if snapshot.etag != etag:
        raise PreconditionFailed()
    # The API acknowledges checklist findings as CloudFront does (it has none); what CloudFront refuses is refused.
    outcome = pipeline.submit_reviewed(
        caller.user, snapshot, config, action="api-update", summary=caller.via + summary,
        acknowledged=pipeline.ACKNOWLEDGE_ALL, backend=backend,
    )  # fmt: skip
    if outcome.status == pipeline.CONFLICT:
        raise PreconditionFailed()
    if outcome.status == pipeline.FAILED:
        raise outcome.backend_error
    if outcome.status == pipeline.REFUSED:
        raise api_error("InvalidViewerCertificate", " ".join(outcome.errors))
    if outcome.status == pipeline.SUBMITTED:
        raise caller.denied(
            "UpdateDistribution",
            f"distribution {distribution_id}",
            f"changes to it need an Approver. The update was filed as change request #{outcome.change_request.pk} "
            "and nothing was changed yet; it is pushed when an Approver approves it (see Change requests in the "
            "console).",
        )
    row = outcome.row if outcome.status == pipeline.PUSHED else mirror.sync_distribution(distribution_id, backend)
    return _as_distribution(row, config), row.etag


def delete_distribution(caller, distribution_id, if_match):
    """DeleteDistribution: CloudFront's rules (IfMatch, disabled and Deployed), then the mirror follows."""
    caller.require_edit(distribution_id, "DeleteDistribution")
    if access.approval_required(caller.user, distribution_id):
        raise caller.denied(
            "DeleteDistribution",
            f"distribution {distribution_id}",
            "changes to it need an Approver, and a deletion cannot be filed as a change request; ask an Admin.",
        )
    backend = get_backend()
    before, _ = backend.get_distribution_config(distribution_id)
    record = {"config_before": before, "etag_before": if_match or ""}
    try:
        backend.delete_distribution(distribution_id, if_match)
    except BackendError as exc:
        audit(caller, distribution_id, "api-delete", f"DeleteDistribution {distribution_id}", None, error=exc, **record)
        raise
    audit(caller, distribution_id, "api-delete", f"DeleteDistribution {distribution_id}", AuditOutcome.PUSHED, **record)
    DistributionTag.objects.filter(distribution_id=distribution_id).delete()
    with contextlib.suppress(NoSuchDistribution):  # the mirror drops the row, as for any vanished distribution
        mirror.sync_distribution(distribution_id, backend)


def create_invalidation(caller, distribution_id, batch):
    """CreateInvalidation with the client's CallerReference (the same reference and paths return the same one)."""
    caller.require_edit(distribution_id, "CreateInvalidation")
    paths = batch.get("Paths") or {}
    items = paths.get("Items") or []
    if paths.get("Quantity") != len(items):
        raise api_error("InconsistentQuantities", "Paths/Quantity must be the number of Paths/Items.")
    summary = f"CreateInvalidation {', '.join(items)}"
    try:
        created = get_backend().create_invalidation(distribution_id, items, batch.get("CallerReference", ""))
    except BackendError as exc:
        audit(caller, distribution_id, "api-invalidation", summary, None, error=exc)
        raise
    audit(
        caller,
        distribution_id,
        "api-invalidation",
        f"Invalidation {created['Id']}: {', '.join(items)}",
        AuditOutcome.PUSHED,
    )
    if created.get("Status") != "Completed":
        transaction.on_commit(lambda: tasks.follow_invalidation(distribution_id, created["Id"]))
    return created
