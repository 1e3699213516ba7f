"""The operations that touch both our tables and a backend.

Every change to CloudFront goes through here: an edit begins by fetching the
config and its ETag (kept as an ``EditSnapshot``), and a push edits that fetched
dict, sends it back with ``IfMatch`` and refreshes the mirror from the answer.
"""

import copy
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone

from . import recording
from .backends.base import BackendError, PreconditionFailed, get_backend
from .cloudfront import config as cfg
from .cloudfront import invalidation as inv
from .mirror import mirror, sync_distribution
from .models import AuditEntry, AuditOutcome, Distribution, EditSnapshot
from .tasks import follow_deployment, follow_invalidation, retry_recording_later

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


# Expired snapshots are looked for at most this often per process, not on every page that begins an edit.
SNAPSHOT_PURGE_INTERVAL = timedelta(minutes=10)
_next_purge = None


def purge_expired_snapshots(now=None):
    """Edits left open for a week are over (``snapshot_for`` no longer finds them): their snapshots go."""
    global _next_purge
    now = now or timezone.now()
    if _next_purge is not None and now < _next_purge:
        return
    _next_purge = now + SNAPSHOT_PURGE_INTERVAL
    EditSnapshot.objects.filter(created_at__lt=now - SNAPSHOT_LIFETIME).delete()


def begin_edit(distribution_id, backend=None) -> EditSnapshot:
    """Fetch the config and its ETag and keep them for the edit's review and push."""
    backend = backend or get_backend()
    config, etag = backend.get_distribution_config(distribution_id)
    purge_expired_snapshots()
    snapshot, created = EditSnapshot.objects.get_or_create(
        distribution_id=distribution_id, etag=etag, defaults={"config": config}
    )
    now = timezone.now()
    if not created and snapshot.created_at < now - SNAPSHOT_LIFETIME:
        # The same version, unchanged for a week, opened again: a new edit begins now.
        EditSnapshot.objects.filter(pk=snapshot.pk).update(created_at=now)
        snapshot.created_at = now
    return snapshot


def snapshot_for(distribution_id, etag):
    """The snapshot an edit began from, or None for an ETag the console never fetched."""
    if not isinstance(etag, str) or not etag.isascii() or not etag.isalnum() or len(etag) > 64:
        return None
    fresh = EditSnapshot.objects.filter(created_at__gte=timezone.now() - SNAPSHOT_LIFETIME)
    return fresh.filter(distribution_id=distribution_id, etag=etag).first()


def actor(user):
    """The audit trail's who: the user, or the command line when no user acts."""
    if user is not None and getattr(user, "is_authenticated", False):
        return {"user": user, "username": user.get_username()}
    return {"user": None, "username": "(command line)"}


@dataclass(frozen=True)
class Pushed:
    """A push CloudFront accepted: the mirror's row (None if the mirror could not be written) and whether
    its audit entry is complete (False: it stays pending and is completed later, see ``recording``)."""

    row: Distribution | None
    recorded: bool = True


def push_config(
    distribution_id, config_before, etag, edited, *, action, summary, user=None, backend=None, change_request=None
):
    """Send ``edited`` (made from ``config_before``) with IfMatch = ``etag``, and record the attempt.

    The attempt is recorded pending before anything is sent (RecordingUnavailable if the database
    refuses: nothing sent) and completed with CloudFront's answer: pushed, conflict or error, with
    the changes, both ETags and the backend's request ID. Returns ``Pushed``; raises EditConflict
    (stale ETag, nothing changed) or BackendError (nothing changed).
    """
    backend = backend or get_backend()
    pending = recording.begin(
        {
            **actor(user),
            "distribution_id": distribution_id,
            "action": action,
            "summary": summary[:500],
            "changes": [list(change) for change in cfg.diff(config_before, edited)],
            "config_before": config_before,
            "config_after": edited,
            "etag_before": etag,
            "change_request": change_request,
        }
    )
    try:
        answer = backend.update_distribution(distribution_id, edited, if_match=etag)
    except PreconditionFailed as exc:
        current, current_etag = backend.get_distribution_config(distribution_id)
        EditSnapshot.objects.get_or_create(
            distribution_id=distribution_id, etag=current_etag, defaults={"config": current}
        )
        recording.finish(
            pending.pk, AuditOutcome.CONFLICT, etag_after=current_etag, error_code=exc.code, error_message=exc.message
        )
        sync_distribution(distribution_id, backend)
        raise EditConflict(distribution_id, etag, current_etag, cfg.diff(config_before, current)) from None
    except BackendError as exc:
        Distribution.objects.filter(pk=distribution_id).update(last_error=f"{exc.code}: {exc.message}")
        recording.finish(
            pending.pk,
            AuditOutcome.ERROR,
            error_code=exc.code,
            error_message=exc.message,
            request_id=getattr(exc, "request_id", "") or "",
        )
        raise
    # CloudFront said yes: from here on nothing may turn this into "nothing was changed".
    answered = {"etag_after": answer["ETag"], "request_id": answer.get("RequestId", "")}
    recorded = recording.finish(pending.pk, AuditOutcome.PUSHED, **answered)
    if not recorded:
        retry_recording_later(pending.pk, AuditOutcome.PUSHED, answered)
    row = _mirror_pushed(distribution_id, answer)
    transaction.on_commit(lambda: follow_deployment(distribution_id))
    return Pushed(row, recorded)


def _mirror_pushed(distribution_id, answer):
    """The mirror after a push, from CloudFront's answer; if it cannot be written, marked stale (no ETag),
    so that the next read rewrites it whatever the timestamps say."""
    try:
        with transaction.atomic():
            row = mirror(answer["Distribution"], answer["ETag"])
            if row.last_error:
                Distribution.objects.filter(pk=row.pk).update(last_error="")
                row.last_error = ""
            return row
    except DatabaseError:
        try:
            with transaction.atomic():
                Distribution.objects.filter(pk=distribution_id).update(etag="")
        except DatabaseError:
            pass  # the next read of the distribution rewrites the mirror anyway
        return None


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
    ).row


def restorable_config(entry, current):
    """The config from before ``entry``'s change, made pushable on top of ``current``."""
    if entry.config_before is None:
        raise EditError("This history entry has no configuration to restore.", "InvalidArgument")
    target = copy.deepcopy(entry.config_before)
    target["CallerReference"] = current.get("CallerReference", target.get("CallerReference"))
    return target


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
    backend = backend or get_backend()
    paths, errors = inv.parse_paths(text)
    if errors:
        raise EditError(errors[0])
    reference = f"console-{uuid.uuid4()}"
    try:
        created = backend.create_invalidation(distribution_id, paths, reference)
    except BackendError as exc:
        AuditEntry.objects.create(
            **actor(user),
            distribution_id=distribution_id,
            action="invalidation",
            summary=f"Invalidate {', '.join(paths)}"[:500],
            outcome=AuditOutcome.ERROR,
            error_code=exc.code,
            error_message=exc.message,
        )
        raise
    AuditEntry.objects.create(
        **actor(user),
        distribution_id=distribution_id,
        action="invalidation",
        summary=f"Invalidation {created['Id']}: {', '.join(paths)}"[:500],
        outcome=AuditOutcome.PUSHED,
    )
    if created.get("Status") != "Completed":
        transaction.on_commit(lambda: follow_invalidation(distribution_id, created["Id"]))
    return created
