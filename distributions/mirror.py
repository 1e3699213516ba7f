"""The mirror: reading the backend into our tables, for listing, searching and fleet-wide questions.

The backend is the source of truth; these rows are refreshed from it, never edited on
their own. A read that lost a race with a push never rolls the mirror back.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import paging, recording
from .backends.base import NoSuchDistribution, get_backend
from .cloudfront import config as cfg
from .models import CacheBehavior, Distribution, DistributionStatus, Origin


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
    "https_required",
    "behavior_count",
    "http_behavior_count",
    "origin_count",
    "origin_domains",
]

# The list shows this many origins' domain names per distribution ("and N more" for the rest).
LISTED_ORIGINS = 3
SECURE_POLICIES = {"redirect-to-https", "https-only"}


def list_fields(config):
    """What the list page shows about a config, stored on its mirror row when the row is written.

    ``https_required``: every behavior, default included, redirects HTTP to HTTPS or is HTTPS only.
    """
    policies = [b.viewer_protocol_policy for b in cfg.behaviors(config)]
    origin_list = cfg.origins(config)
    return {
        "https_required": bool(policies) and all(p in SECURE_POLICIES for p in policies),
        "behavior_count": len(policies),
        "http_behavior_count": sum(1 for p in policies if p not in SECURE_POLICIES),
        "origin_count": len(origin_list),
        "origin_domains": [o.get("DomainName", "") for o in origin_list[:LISTED_ORIGINS]],
    }


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
        **list_fields(config),
    )


def mirror_many(distributions, etags=None):
    """Write distributions into the mirror in a handful of queries, whatever their number.

    Each item is a GetDistribution ``Distribution`` (with its ``DistributionConfig``)
    or a ListDistributions summary (the same fields, flat). ``etags`` maps IDs to
    the ETags that came with them; summaries carry none, so the stored one stays.
    When the mirror already holds every one of them (same ETag: the common page view),
    one plain read says so: no transaction, no row lock, nothing written.
    """
    etags = etags or {}
    all_ids = [d["Id"] for d in distributions]
    # Without ETags (a sync's summaries) every row is rewritten: no need to read first.
    if not etags or any(_compare(distributions, etags, Distribution.objects.all())):
        _write(distributions, etags)
    return all_ids


@transaction.atomic
def _write(distributions, etags):
    """mirror_many's writes, decided again under row locks (a push may have written since the plain read)."""
    distributions = _newer_than_mirror(distributions, etags)
    rows = [_mirror_row(d, etags.get(d["Id"], "")) for d in distributions]
    if not rows:
        return
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


def _newer_than_mirror(distributions, etags):
    """The distributions the mirror must rewrite; the others at most get their status updated.

    A read that lost a race with a push (older LastModifiedTime than the mirror
    has) never rolls the mirror back. A read of the version the mirror already
    holds (same ETag) only updates its status, one UPDATE per status value: page
    views stay cheap and never delete and re-insert behaviors for nothing.
    ListDistributions summaries carry no ETag, so a sync rewrites every row it
    lists (and so repairs whatever the mirror held).
    """
    fresh, statuses = _compare(distributions, etags, Distribution.objects.select_for_update())
    for status, ids in statuses.items():
        Distribution.objects.filter(pk__in=ids).update(status=status)
    return fresh


def _compare(distributions, etags, rows):
    """``(to rewrite, {status: IDs whose status alone changed})`` against the mirror ``rows`` (a queryset)."""
    existing = {
        row.id: row
        for row in rows.filter(pk__in=[d["Id"] for d in distributions]).only("id", "etag", "status", "last_modified")
    }
    fresh, statuses = [], {}
    for distribution in distributions:
        old = existing.get(distribution["Id"])
        if old is None:
            fresh.append(distribution)
            continue
        modified = _timestamp(distribution.get("LastModifiedTime"))
        if old.last_modified and modified and modified < old.last_modified:
            continue
        etag = etags.get(distribution["Id"])
        if not etag or etag != old.etag:
            fresh.append(distribution)
        elif old.status != distribution["Status"]:
            statuses.setdefault(distribution["Status"], []).append(old.id)
    return fresh, statuses


def mirror(distribution, etag=""):
    """Write one distribution into the mirror and return its row."""
    mirror_many([distribution], {distribution["Id"]: etag} if etag else None)
    return Distribution.objects.get(pk=distribution["Id"])


def sync_distribution(distribution_id, backend=None):
    """Refresh one distribution's mirror and return its row; a distribution gone from the backend leaves it."""
    return read(distribution_id, backend).row


@dataclass(frozen=True)
class Reading:
    """One read of a distribution: its mirror row as written now, the config just read, and drift.

    ``drift`` is ``(old ETag, new ETag)`` when the backend changed since the mirror last read it
    (someone used another console or the API), else None. ``settled``: how many pending audit entries
    the read completed (pushes whose recording had failed, see ``recording.settle``).
    """

    row: Distribution
    config: dict
    drift: tuple[str, str] | None
    settled: int = 0


def read(distribution_id, backend=None) -> Reading:
    """Read a distribution from the backend (once) into the mirror, for a page that shows it."""
    backend = backend or get_backend()
    try:
        answer = backend.get_distribution(distribution_id)
    except NoSuchDistribution:
        Distribution.objects.filter(pk=distribution_id).delete()
        raise
    row = Distribution.objects.filter(pk=distribution_id).first()
    old_etag = row.etag if row else None
    if (
        row is None
        or not answer["ETag"]
        or (row.etag, row.status) != (answer["ETag"], answer["Distribution"]["Status"])
    ):
        row = mirror(answer["Distribution"], answer["ETag"])
    # else the mirror holds this version already (what ``mirror_many`` would find): nothing to write or re-read.
    drift = (old_etag, row.etag) if old_etag and old_etag != row.etag else None
    config = answer["Distribution"]["DistributionConfig"]
    return Reading(row, config, drift, recording.settle(distribution_id, config, answer["ETag"]))


def sync_all(backend=None, progress=None, page_size=100):
    """Mirror every distribution the backend lists, a page at a time; drop those it no longer has.

    Memory holds a page or two, whatever N (a remote backend's next page is fetched while this one
    is written, see ``paging``), and a page costs the same queries whatever it holds. Each
    page's rows are stamped ``listed_at`` with the sync's start, and at the end the rows with an older stamp (not listed) are deleted, except those a
    page view or a push wrote since the sync began (they exist, the listing just predates them).
    """
    backend = backend or get_backend()
    started = timezone.now()
    count = 0
    for page in paging.pages(backend, page_size):
        count += _mirror_listed(page, started)
        if progress:
            progress(count)
    unlisted = Q(listed_at__lt=started) | Q(listed_at__isnull=True)
    Distribution.objects.filter(unlisted, synced_at__lt=started).delete()
    return count


def _mirror_listed(summaries, started):
    """Mirror one page of ListDistributions summaries and stamp them as listed by the sync that ``started``."""
    if not summaries:
        return 0
    ids = mirror_many(summaries)
    Distribution.objects.filter(pk__in=ids).update(listed_at=started)
    return len(ids)


# How many In Progress distributions one refresh reads before writing them in one batch.
REFRESH_BATCH = 50


def refresh_in_progress(distributions=None, backend=None):
    """Re-read the distributions (of ``distributions``, default all) the mirror still shows In Progress.

    Run by the background worker (``tasks.refresh_deployments``), never by a page view. Reads are
    one GetDistribution each (CloudFront has no batch read); writes go in batches of
    ``REFRESH_BATCH``, and the IDs are read a chunk at a time, so memory does not grow with their number.
    Returns how many are still In Progress.
    """
    backend = backend or get_backend()
    pending = (Distribution.objects.all() if distributions is None else distributions).in_progress().order_by("pk")
    still, last = 0, ""
    # Keyset chunks rather than one open cursor: the loop writes to the table it reads.
    while chunk := list(pending.filter(pk__gt=last).values_list("pk", flat=True)[:REFRESH_BATCH]):
        last, answers = chunk[-1], []
        for distribution_id in chunk:
            try:
                answers.append(backend.get_distribution(distribution_id))
            except NoSuchDistribution:
                Distribution.objects.filter(pk=distribution_id).delete()
        still += _mirror_answers(answers)
    return still


def _mirror_answers(answers):
    """Mirror GetDistribution answers in one batch; how many of them are still In Progress."""
    if not answers:
        return 0
    mirror_many([a["Distribution"] for a in answers], {a["Distribution"]["Id"]: a["ETag"] for a in answers})
    return sum(1 for a in answers if a["Distribution"]["Status"] == DistributionStatus.IN_PROGRESS)
