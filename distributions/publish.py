"""The operations that touch both our tables and a backend.

Every change to CloudFront goes through here: an edit begins by fetching the
config and its ETag (kept as an ``EditSnapshot``), and a push edits that fetched
dict, sends it back with ``IfMatch`` and refreshes the mirror from the answer.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.dateparse import parse_datetime

from .backends.base import BackendError, NoSuchDistribution, PreconditionFailed, get_backend
from .cloudfront import config as cfg
from .models import CacheBehavior, Distribution, EditSnapshot, Origin


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
    "arn", "domain_name", "comment", "aliases", "aliases_text", "status", "enabled", "last_modified",
    "price_class", "http_version", "default_root_object", "certificate", "synced_at",
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
    rows = [_mirror_row(d, etags.get(d["Id"], "")) for d in distributions]
    if not rows:
        return []
    ids = [row.id for row in rows]
    Distribution.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["id"],
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
    return ids


def mirror(distribution, etag=""):
    """Write one distribution into the mirror and return its row."""
    mirror_many([distribution], {distribution["Id"]: etag} if etag else None)
    return Distribution.objects.get(pk=distribution["Id"])


def sync_distribution(distribution_id, backend=None):
    """Refresh one distribution's mirror; a distribution gone from the backend leaves it.

    The returned row's ``drift`` is ``(old ETag, new ETag)`` when the backend
    changed since the mirror last read it (someone used another console), else None.
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


def refresh_in_progress(backend=None):
    """Re-read the distributions the mirror still shows In Progress."""
    backend = backend or get_backend()
    for distribution_id in Distribution.objects.in_progress().values_list("pk", flat=True):
        try:
            sync_distribution(distribution_id, backend)
        except NoSuchDistribution:
            pass


def begin_edit(distribution_id, backend=None):
    """Fetch the config and its ETag and keep them for the edit's review and push."""
    backend = backend or get_backend()
    config, etag = backend.get_distribution_config(distribution_id)
    snapshot, _ = EditSnapshot.objects.get_or_create(
        distribution_id=distribution_id, etag=etag, defaults={"config": config}
    )
    return snapshot


def snapshot_for(distribution_id, etag):
    """The snapshot an edit began from, or None for an ETag the console never fetched."""
    if not isinstance(etag, str) or not etag.isascii() or not etag.isalnum() or len(etag) > 64:
        return None
    return EditSnapshot.objects.filter(distribution_id=distribution_id, etag=etag).first()


def set_viewer_protocol_policy(distribution_id, path_patterns, policy, etag, backend=None):
    """Yes, Edit: push ``policy`` on the chosen behaviors, with IfMatch = the ETag the edit began with.

    Only those behaviors' ViewerProtocolPolicy changes; every other field goes
    back exactly as it was fetched. Raises EditError (bad input, nothing sent),
    EditConflict (stale ETag, nothing changed) or BackendError.
    """
    backend = backend or get_backend()
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
    try:
        answer = backend.update_distribution(distribution_id, edited, if_match=etag)
    except PreconditionFailed:
        current, current_etag = backend.get_distribution_config(distribution_id)
        EditSnapshot.objects.get_or_create(
            distribution_id=distribution_id, etag=current_etag, defaults={"config": current}
        )
        sync_distribution(distribution_id, backend)
        raise EditConflict(distribution_id, etag, current_etag, cfg.diff(snapshot.config, current)) from None
    except BackendError as exc:
        Distribution.objects.filter(pk=distribution_id).update(last_error=f"{exc.code}: {exc.message}")
        raise
    row = mirror(answer["Distribution"], answer["ETag"])
    if row.last_error:
        row.last_error = ""
        row.save(update_fields=["last_error"])
    return row


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
