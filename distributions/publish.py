"""The operations that touch both our tables and a backend.

Every change to CloudFront goes through here: an edit begins by fetching the
config and its ETag (kept as an ``EditSnapshot``), and a push edits that fetched
dict, sends it back with ``IfMatch`` and refreshes the mirror from the answer.
"""

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .backends.base import BackendError, NoSuchDistribution, PreconditionFailed, get_backend
from .cloudfront import config as cfg
from .models import (
    AuditEntry,
    AuditOutcome,
    CacheBehavior,
    ChangeRequest,
    ChangeRequestState,
    Distribution,
    EditSnapshot,
    Origin,
)

SNAPSHOT_LIFETIME = timedelta(days=7)


class EditError(Exception):
    """An edit that cannot be pushed as asked; nothing was changed."""

    def __init__(self, message, code="InvalidArgument"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class EditConflict(Exception):
    """The distribution changed since the edit began (CloudFront's PreconditionFailed)."""

    distribution_id: str
    seen_etag: str
    current_etag: str
    changes: list  # (path, value the user reviewed, value CloudFront holds now)

    def __str__(self):
        return (
            f"Distribution {self.distribution_id} changed since this edit began "
            f"(ETag {self.seen_etag} is now {self.current_etag}); nothing was changed."
        )


def _timestamp(value):
    if isinstance(value, datetime):
        return value
    return parse_datetime(value) if value else None


MIRRORED_FIELDS = [
    "arn",
    "domain_name",
    "comment",
    "aliases",
    "aliases_text",
    "status",
    "enabled",
    "last_modified",
    "price_class",
    "http_version",
    "default_root_object",
    "certificate",
    "synced_at",
]


def _mirror_row(distribution, etag=""):
    config = distribution.get("DistributionConfig", distribution)
    alias_list = cfg.aliases(config)
    return Distribution(
        id=distribution["Id"],
        arn=distribution.get("ARN", ""),
        domain_name=distribution["DomainName"],
        comment=config.get("Comment") or "",
        aliases=alias_list,
        aliases_text=" ".join(alias_list),
        status=distribution["Status"],
        enabled=bool(config.get("Enabled")),
        last_modified=_timestamp(distribution.get("LastModifiedTime")),
        price_class=config.get("PriceClass") or "",
        http_version=config.get("HttpVersion") or "",
        default_root_object=config.get("DefaultRootObject") or "",
        certificate=config.get("ViewerCertificate") or {},
        etag=etag,
    )


@transaction.atomic
def mirror_many(distributions, etags=None):
    """Write distributions into the mirror in a handful of queries, whatever their number.

    Each item is a GetDistribution ``Distribution`` (with its ``DistributionConfig``)
    or a ListDistributions summary (the same fields, flat). ``etags`` maps IDs to
    the ETags that came with them; summaries carry none, so the stored one stays.
    """
    etags = etags or {}
    all_ids = [d["Id"] for d in distributions]
    distributions = _newer_than_mirror(distributions, etags)
    rows = [_mirror_row(d, etags.get(d["Id"], "")) for d in distributions]
    if not rows:
        return all_ids
    ids = [row.id for row in rows]
    Distribution.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=MIRRORED_FIELDS + (["etag"] if etags else []),
    )
    Origin.objects.filter(distribution_id__in=ids).delete()
    CacheBehavior.objects.filter(distribution_id__in=ids).delete()
    origins, behaviors = [], []
    for distribution in distributions:
        config = distribution.get("DistributionConfig", distribution)
        for position, origin in enumerate(cfg.origins(config)):
            origins.append(
                Origin(
                    distribution_id=distribution["Id"],
                    position=position,
                    origin_id=origin["Id"],
                    domain_name=origin.get("DomainName", ""),
                    origin_type=cfg.origin_type(origin),
                    protocol_policy=cfg.origin_protocol_policy(origin) or "",
                    ssl_protocols=cfg.items((origin.get("CustomOriginConfig") or {}).get("OriginSslProtocols")),
                )
            )
        for behavior in cfg.behaviors(config):
            behaviors.append(
                CacheBehavior(
                    distribution_id=distribution["Id"],
                    precedence=behavior.precedence,
                    is_default=behavior.is_default,
                    path_pattern=behavior.path_pattern,
                    target_origin_id=behavior.target_origin_id or "",
                    viewer_protocol_policy=behavior.viewer_protocol_policy or "",
                    allowed_methods=behavior.allowed_methods,
                )
            )
    Origin.objects.bulk_create(origins)
    CacheBehavior.objects.bulk_create(behaviors)
    return all_ids


def _newer_than_mirror(distributions, etags):
    """The distributions the mirror must rewrite.

    A read that lost a race with a push (older LastModifiedTime than the mirror
    has) never rolls the mirror back, and a read of the version the mirror
    already holds (same ETag) only updates its status: page views stay cheap and
    never delete and re-insert behaviors for nothing.
    """
    existing = {
        row.id: row
        for row in Distribution.objects.select_for_update()
        .filter(pk__in=[d["Id"] for d in distributions])
        .only("id", "etag", "status", "last_modified")
    }
    fresh = []
    for distribution in distributions:
        old = existing.get(distribution["Id"])
        if old is None:
            fresh.append(distribution)
            continue
        modified = _timestamp(distribution.get("LastModifiedTime"))
        if old.last_modified and modified and modified < old.last_modified:
            continue
        etag = etags.get(distribution["Id"])
        if etag and etag == old.etag:
            if old.status != distribution["Status"]:
                Distribution.objects.filter(pk=old.id).update(status=distribution["Status"])
            continue
        fresh.append(distribution)
    return fresh


def mirror(distribution, etag=""):
    """Write one distribution into the mirror and return its row."""
    mirror_many([distribution], {distribution["Id"]: etag} if etag else None)
    return Distribution.objects.get(pk=distribution["Id"])


def sync_distribution(distribution_id, backend=None):
    """Refresh one distribution's mirror; a distribution gone from the backend leaves it.

    The returned row's ``drift`` is ``(old ETag, new ETag)`` when the backend
    changed since the mirror last read it (someone used another console), else
    None; its ``config`` is the DistributionConfig just read.
    """
    backend = backend or get_backend()
    try:
        answer = backend.get_distribution(distribution_id)
    except NoSuchDistribution:
        Distribution.objects.filter(pk=distribution_id).delete()
        raise
    old_etag = Distribution.objects.filter(pk=distribution_id).values_list("etag", flat=True).first()
    row = mirror(answer["Distribution"], answer["ETag"])
    row.drift = (old_etag, row.etag) if old_etag and old_etag != row.etag else None
    row.config = answer["Distribution"]["DistributionConfig"]  # as read now, for pages that check it
    return row


def sync_all(backend=None, progress=None, page_size=100):
    """Mirror every distribution the backend lists, a page at a time; drop those it no longer has."""
    backend = backend or get_backend()
    seen, batch = [], []
    for summary in backend.list_distributions():
        batch.append(summary)
        if len(batch) >= page_size:
            seen += mirror_many(batch)
            batch = []
            if progress:
                progress(len(seen))
    seen += mirror_many(batch)
    if progress:
        progress(len(seen))
    Distribution.objects.exclude(pk__in=seen).delete()
    return len(seen)


def refresh_in_progress(distributions=None, backend=None):
    """Re-read the distributions (of ``distributions``, default all) the mirror still shows In Progress."""
    backend = backend or get_backend()
    distributions = Distribution.objects.all() if distributions is None else distributions
    for distribution_id in distributions.in_progress().values_list("pk", flat=True):
        try:
            sync_distribution(distribution_id, backend)
        except NoSuchDistribution:
            pass


def begin_edit(distribution_id, backend=None):
    """Fetch the config and its ETag and keep them for the edit's review and push."""
    backend = backend or get_backend()
    config, etag = backend.get_distribution_config(distribution_id)
    # Edits left open for a week are over: their snapshots go (a late push then says "start again").
    EditSnapshot.objects.filter(created_at__lt=timezone.now() - SNAPSHOT_LIFETIME).delete()
    snapshot, _ = EditSnapshot.objects.get_or_create(
        distribution_id=distribution_id, etag=etag, defaults={"config": config}
    )
    return snapshot


def snapshot_for(distribution_id, etag):
    """The snapshot an edit began from, or None for an ETag the console never fetched."""
    if not isinstance(etag, str) or not etag.isascii() or not etag.isalnum() or len(etag) > 64:
        return None
    return EditSnapshot.objects.filter(distribution_id=distribution_id, etag=etag).first()


def _who(user):
    if user is not None and getattr(user, "is_authenticated", False):
        return {"user": user, "username": user.get_username()}
    return {"user": None, "username": "(command line)"}


def push_config(
    distribution_id, config_before, etag, edited, *, action, summary, user=None, backend=None, change_request=None
):
    """Send ``edited`` (made from ``config_before``) with IfMatch = ``etag``, and record the attempt.

    Every attempt leaves an AuditEntry: pushed, conflict or error, with the
    changes, both ETags and the backend's request ID. Raises EditConflict
    (stale ETag, nothing changed) or BackendError (nothing changed).
    """
    backend = backend or get_backend()
    record = {
        **_who(user),
        "distribution_id": distribution_id,
        "action": action,
        "summary": summary[:500],
        "changes": [list(change) for change in cfg.diff(config_before, edited)],
        "config_before": config_before,
        "config_after": edited,
        "etag_before": etag,
        "change_request": change_request,
    }
    try:
        answer = backend.update_distribution(distribution_id, edited, if_match=etag)
    except PreconditionFailed as exc:
        current, current_etag = backend.get_distribution_config(distribution_id)
        EditSnapshot.objects.get_or_create(
            distribution_id=distribution_id, etag=current_etag, defaults={"config": current}
        )
        AuditEntry.objects.create(
            **record,
            outcome=AuditOutcome.CONFLICT,
            etag_after=current_etag,
            error_code=exc.code,
            error_message=exc.message,
        )
        sync_distribution(distribution_id, backend)
        raise EditConflict(distribution_id, etag, current_etag, cfg.diff(config_before, current)) from None
    except BackendError as exc:
        Distribution.objects.filter(pk=distribution_id).update(last_error=f"{exc.code}: {exc.message}")
        AuditEntry.objects.create(
            **record,
            outcome=AuditOutcome.ERROR,
            error_code=exc.code,
            error_message=exc.message,
            request_id=getattr(exc, "request_id", "") or "",
        )
        raise
    AuditEntry.objects.create(
        **record, outcome=AuditOutcome.PUSHED, etag_after=answer["ETag"], request_id=answer.get("RequestId", "")
    )
    row = mirror(answer["Distribution"], answer["ETag"])
    if row.last_error:
        Distribution.objects.filter(pk=row.pk).update(last_error="")
        row.last_error = ""
    from .tasks import follow_deployment

    transaction.on_commit(lambda: follow_deployment(distribution_id))
    return row


def edit_viewer_protocol_policy(distribution_id, path_patterns, policy, etag):
    """The snapshot an edit began from and the config it would push; raises EditError for bad input."""
    snapshot = snapshot_for(distribution_id, etag)
    if snapshot is None:
        raise EditError(
            "This edit does not match a version of the distribution the console fetched; start the edit again.",
            "InvalidIfMatchVersion",
        )
    try:
        edited = cfg.set_viewer_protocol_policy(snapshot.config, path_patterns, policy)
    except cfg.ConfigError as exc:
        raise EditError(exc.message, exc.code) from None
    summary = f"Viewer Protocol Policy of {', '.join(path_patterns)} set to {cfg.POLICY_LABELS[policy]} ({policy})"
    return snapshot, edited, summary


def set_viewer_protocol_policy(distribution_id, path_patterns, policy, etag, backend=None, user=None):
    """Yes, Edit: push ``policy`` on the chosen behaviors, with IfMatch = the ETag the edit began with.

    Only those behaviors' ViewerProtocolPolicy changes; every other field goes
    back exactly as it was fetched. Raises EditError (bad input, nothing sent),
    EditConflict (stale ETag, nothing changed) or BackendError.
    """
    snapshot, edited, summary = edit_viewer_protocol_policy(distribution_id, path_patterns, policy, etag)
    return push_config(
        distribution_id,
        snapshot.config,
        snapshot.etag,
        edited,
        action="viewer-protocol-policy",
        summary=summary,
        user=user,
        backend=backend,
    )


def restorable_config(entry, current):
    """The config from before ``entry``'s change, made pushable on top of ``current``."""
    if entry.config_before is None:
        raise EditError("This history entry has no configuration to restore.", "InvalidArgument")
    target = copy.deepcopy(entry.config_before)
    target["CallerReference"] = current.get("CallerReference", target.get("CallerReference"))
    return target


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
            **_who(user),
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


def push_or_submit(user, distribution_id, config_before, etag, edited, *, action, summary, backend=None):
    """Push the change, or, when ``user`` needs approval on this distribution, file it as a change request.

    Returns ``("pushed", mirror row)`` or ``("submitted", ChangeRequest)``.
    """
    from . import access

    if user is not None and access.approval_required(user, distribution_id):
        return "submitted", submit_change(user, distribution_id, config_before, etag, edited, summary)
    row = push_config(
        distribution_id, config_before, etag, edited, action=action, summary=summary, user=user, backend=backend
    )
    return "pushed", row


def approve(user, request):
    """Approve a submitted change request and queue its push (inline with the immediate task backend).

    The state moves submitted → approved in one conditional UPDATE, so only one
    approver's click counts; ``apply_change_request`` then pushes it once.
    Returns the request as it stands afterwards (applied, draft, failed, or
    still approved while a worker has it).
    """
    from .tasks import push_change_request

    claimed = ChangeRequest.objects.filter(pk=request.pk, state=ChangeRequestState.SUBMITTED).update(
        state=ChangeRequestState.APPROVED, decided_by=user, decided_at=timezone.now()
    )
    if not claimed:
        raise EditError("This change request is no longer waiting for approval.", "InvalidState")
    AuditEntry.objects.create(
        **_who(user),
        distribution_id=request.distribution_id,
        action="change-request",
        summary=request.summary,
        etag_before=request.etag,
        outcome=AuditOutcome.APPROVED,
        change_request=request,
    )
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
        push_config(
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
    except EditConflict:
        ChangeRequest.objects.filter(pk=request.pk).update(
            state=ChangeRequestState.DRAFT,
            reason="The distribution changed after this request was reviewed; start again from the current configuration.",
        )
        AuditEntry.objects.create(
            **_who(approver),
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
    ChangeRequest.objects.filter(pk=request.pk).update(state=ChangeRequestState.APPLIED)
    return ChangeRequestState.APPLIED


def reject(user, request, reason):
    """Reject a submitted change request with a reason for its author."""
    reason = (reason or "").strip()
    if not reason:
        raise EditError("Say why the change request is rejected.", "InvalidArgument")
    claimed = ChangeRequest.objects.filter(pk=request.pk, state=ChangeRequestState.SUBMITTED).update(
        state=ChangeRequestState.REJECTED, decided_by=user, decided_at=timezone.now(), reason=reason[:2000]
    )
    if not claimed:
        raise EditError("This change request is no longer waiting for approval.", "InvalidState")
    AuditEntry.objects.create(
        **_who(user),
        distribution_id=request.distribution_id,
        action="change-request",
        summary=request.summary,
        etag_before=request.etag,
        outcome=AuditOutcome.REJECTED,
        change_request=request,
        error_message=reason[:2000],
    )


def import_distribution(document, backend=None):
    """Create a distribution from JSON as ``aws cloudfront get-distribution-config`` or
    ``get-distribution`` prints it, or from a bare DistributionConfig."""
    backend = backend or get_backend()
    if not isinstance(document, dict):
        raise EditError("The file must hold a JSON object.", "MalformedInput")
    if "DistributionConfig" in document:
        config = document["DistributionConfig"]
    elif isinstance(document.get("Distribution"), dict) and "DistributionConfig" in document["Distribution"]:
        config = document["Distribution"]["DistributionConfig"]
    else:
        config = document
    answer = backend.create_distribution(config)
    return mirror(answer["Distribution"], answer["ETag"])


def export_distribution(distribution_id, backend=None):
    """The config in the shape ``aws cloudfront get-distribution-config`` prints."""
    backend = backend or get_backend()
    config, etag = backend.get_distribution_config(distribution_id)
    return {"ETag": etag, "DistributionConfig": config}


def create_invalidation(distribution_id, text, user=None, backend=None):
    """Invalidate the paths typed one per line; raises EditError for paths CloudFront would refuse."""
    from .cloudfront import invalidation as inv

    backend = backend or get_backend()
    paths, errors = inv.parse_paths(text)
    if errors:
        raise EditError(errors[0])
    reference = f"console-{uuid.uuid4()}"
    try:
        created = backend.create_invalidation(distribution_id, paths, reference)
    except BackendError as exc:
        AuditEntry.objects.create(
            **_who(user),
            distribution_id=distribution_id,
            action="invalidation",
            summary=f"Invalidate {', '.join(paths)}"[:500],
            outcome=AuditOutcome.ERROR,
            error_code=exc.code,
            error_message=exc.message,
        )
        raise
    AuditEntry.objects.create(
        **_who(user),
        distribution_id=distribution_id,
        action="invalidation",
        summary=f"Invalidation {created['Id']}: {', '.join(paths)}"[:500],
        outcome=AuditOutcome.PUSHED,
    )
    if created.get("Status") != "Completed":
        from .tasks import follow_invalidation

        transaction.on_commit(lambda: follow_invalidation(distribution_id, created["Id"]))
    return created
