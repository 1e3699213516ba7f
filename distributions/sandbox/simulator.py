"""A fake CloudFront control plane kept in the database.

Same JSON, same validation and error codes as CloudFront (``cloudfront/rules.py``,
with the quotas of ``CONSOLE_SIMULATOR_QUOTAS``), the defaults CloudFront fills
in stored with the config (``cloudfront/defaults.py``), IDs and domain names of
CloudFront's shape, a new ETag on every update, and ``InProgress`` until
``CONSOLE_SIMULATOR_DEPLOY_SECONDS`` have passed, after which the edge serves
the new config. Deployment completes lazily, whenever the row is next read.
"""

import secrets
import string
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..backends.base import BackendError, NoSuchDistribution, PreconditionFailed
from ..cloudfront import config as cfg
from ..cloudfront import defaults, hosts
from ..cloudfront import invalidation as inv
from ..cloudfront.certificates import certificate_reference
from ..models import DistributionStatus
from .certificates import find_certificate
from .models import EdgeInvalidation, SimulatedCertificate, SimulatedDistribution, SimulatedInvalidation

_UPPER = string.ascii_uppercase + string.digits
_LOWER = string.ascii_lowercase + string.digits


def new_distribution_id():
    return "E" + "".join(secrets.choice(_UPPER) for _ in range(13))


def new_domain_name():
    return "d" + "".join(secrets.choice(_LOWER) for _ in range(13)) + ".cloudfront.net"


def new_etag():
    return "E" + "".join(secrets.choice(_UPPER) for _ in range(13))


# CloudFront's own wording for a stale IfMatch (recorded in cloud-custodian/cloud-custodian#3117 and
# hashicorp/terraform-provider-aws#17841), not InvalidIfMatchVersion's.
PRECONDITION_FAILED = (
    "The request failed because it didn't meet the preconditions in one or more request-header fields."
)
INVALID_IF_MATCH = "The If-Match version is missing or not valid for the resource."
# AWS knowledge center, "How do I resolve the CNAMEAlreadyExists error".
CNAME_TAKEN = "One or more of the CNAMEs you provided are already associated with a different resource."


def _validate(config, certificate_names=None):
    """CloudFront's answer to ``config`` as a BackendError; the config as CloudFront stores it otherwise."""
    try:
        cfg.validate(config, settings.CONSOLE_SIMULATOR_QUOTAS, certificate_names)
    except cfg.ConfigError as exc:
        raise BackendError(exc.code, exc.message, exc.status, field=exc.field) from None
    return defaults.fill(config)


def _deploy_ready_at():
    return timezone.now() + timedelta(seconds=settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS)


def _iso(when):
    return when.isoformat().replace("+00:00", "Z")


# The members of a DistributionConfig that a ListDistributions summary carries.
SUMMARY_FIELDS = (
    "Aliases", "Origins", "OriginGroups", "DefaultCacheBehavior", "CacheBehaviors", "CustomErrorResponses",
    "Comment", "PriceClass", "Enabled", "ViewerCertificate", "Restrictions", "WebACLId", "HttpVersion",
    "IsIPV6Enabled", "Staging",
)  # fmt: skip


# CloudFront's own page size for ListDistributions (default and maximum MaxItems).
LIST_PAGE_SIZE = 100


def no_distribution_serves(host):
    """The answer for a host no distribution serves (and, to a user, for one they may not see)."""
    return NoSuchDistribution(host, f"No distribution serves the host {hosts.normalize(host)!r}.")


class SimulatorBackend:
    name = "simulator"

    def _row(self, distribution_id):
        try:
            return SimulatedDistribution.objects.get(pk=distribution_id).settle()
        except SimulatedDistribution.DoesNotExist:
            raise NoSuchDistribution(distribution_id) from None

    def _distribution(self, row, config=None):
        """GetDistribution's ``Distribution``; ``config``: the row's config when the caller owns it (a row just
        read for this answer and dropped after), else a copy, so that no caller can change another's dict."""
        return {
            "Id": row.id,
            "ARN": row.arn,
            "Status": row.status,
            "LastModifiedTime": _iso(row.last_modified),
            "InProgressInvalidationBatches": 0,
            "DomainName": row.domain_name,
            "DistributionConfig": cfg.clone(row.config) if config is None else config,
        }

    def _check_aliases(self, config, distribution_id=None):
        """CNAMEAlreadyExists for a name another distribution has. Overlapping wildcards (``*.example.com``
        next to ``www.example.com``) are allowed within one account (Developer Guide, wildcards)."""
        wanted = {hosts.normalize(a) for a in cfg.aliases(config)}
        if not wanted:
            return
        for other in SimulatedDistribution.objects.exclude(pk=distribution_id).only("id", "config"):
            taken = wanted & {hosts.normalize(a) for a in cfg.aliases(other.config)}
            if taken:
                # CloudFront's message names no other resource (it may be another account's): neither does this.
                raise BackendError("CNAMEAlreadyExists", f"{CNAME_TAKEN} ({sorted(taken)[0]})", 409)

    def _names_held(self, config):
        """The names of the config's custom certificate when the sandbox holds it, else None.

        CloudFront refuses an alias its certificate does not cover; the sandbox can
        only check certificates it holds (a config copied from a real account names
        ARNs the sandbox never saw, and is accepted as CloudFront would accept it there).
        """
        if not isinstance(config, dict) or not isinstance(config.get("ViewerCertificate"), dict):
            return None
        return self.certificate_names(certificate_reference(config))

    def certificates(self):
        """The certificates a ViewerCertificate can name in the sandbox."""
        return [
            {
                "id": c.arn,
                "kind": "acm",
                "iam_id": c.iam_certificate_id,
                "names": list(c.domain_names),
                "label": f"{', '.join(c.domain_names)} ({c.get_source_display()})",
            }
            for c in SimulatedCertificate.objects.all()
        ]

    def certificate_names(self, reference):
        """The names a certificate covers, or None when the sandbox does not hold it."""
        certificate = find_certificate(reference) if reference else None
        return list(certificate.domain_names) if certificate else None

    def _summary(self, row):
        """A ListDistributions summary: the distribution with its config's listed members, unwrapped."""
        summary = self._distribution(row.settle())
        config = summary.pop("DistributionConfig")
        summary.update({key: config[key] for key in SUMMARY_FIELDS if key in config})
        return summary

    def list_distributions(self, page_size=LIST_PAGE_SIZE):
        """ListDistributions summaries (the distribution without its config wrapper), read a page at a time.

        As CloudFront pages ListDistributions (``Marker`` = the last ID of the previous page,
        ``MaxItems`` at most 100; API reference, ListDistributions), the database is read one page
        of ``page_size`` rows at a time, so listing 100,000 simulated distributions holds one page.
        """
        marker = ""
        while True:
            rows, marker = self._page(marker, page_size)
            for row in rows:
                yield self._summary(row)
            if marker is None:
                return

    # Reads hand out the config just decoded from the row they fetched (no deep copy: a 75-behavior
    # config took ~8 ms to copy on every tab view); no one else holds that row.
    def get_distribution(self, distribution_id):
        row = self._row(distribution_id)
        return {"Distribution": self._distribution(row, row.config), "ETag": row.etag}

    def get_distribution_config(self, distribution_id):
        row = self._row(distribution_id)
        return row.config, row.etag

    def create_distribution(self, config):
        config = _validate(cfg.clone(config), self._names_held(config))
        with transaction.atomic():
            self._check_aliases(config)
            now = timezone.now()
            for _ in range(5):
                try:
                    with transaction.atomic():
                        row = SimulatedDistribution.objects.create(
                            id=new_distribution_id(),
                            domain_name=new_domain_name(),
                            config=config,
                            etag=new_etag(),
                            status=DistributionStatus.IN_PROGRESS,
                            last_modified=now,
                            deployed_config=None,
                            deploy_ready_at=_deploy_ready_at(),
                        )
                    break
                except IntegrityError:  # an ID or domain collision: draw again
                    continue
            else:  # pragma: no cover
                raise BackendError("ServiceUnavailable", "Could not allocate a distribution ID.", 503)
        return {"Distribution": self._distribution(row.settle()), "ETag": row.etag}

    def update_distribution(self, distribution_id, config, if_match):
        if not if_match:
            raise BackendError("InvalidIfMatchVersion", INVALID_IF_MATCH)
        config = cfg.clone(config)
        with transaction.atomic():
            try:
                row = SimulatedDistribution.objects.select_for_update().get(pk=distribution_id)
            except SimulatedDistribution.DoesNotExist:
                raise NoSuchDistribution(distribution_id) from None
            row.settle()
            if if_match != row.etag:
                raise PreconditionFailed(PRECONDITION_FAILED)
            if not isinstance(config, dict) or config.get("CallerReference") != row.config.get("CallerReference"):
                raise BackendError("IllegalUpdate", "The CallerReference of a distribution cannot be changed.")
            config = _validate(config, self._names_held(config))
            self._check_aliases(config, distribution_id)
            row.config = config
            row.etag = new_etag()
            row.status = DistributionStatus.IN_PROGRESS
            row.last_modified = timezone.now()
            row.deploy_ready_at = _deploy_ready_at()
            row.save()
        return {"Distribution": self._distribution(row.settle()), "ETag": row.etag, "RequestId": str(uuid.uuid4())}

    def create_invalidation(self, distribution_id, paths, caller_reference):
        """CreateInvalidation: CloudFront's path rules and in-progress limits; the same reference and
        paths return the existing invalidation."""
        self._row(distribution_id)
        paths = list(paths)
        errors = [e for e in map(inv.path_error, paths) if e] or ([] if paths else ["Name at least one path."])
        if errors:
            raise BackendError("InvalidArgument", errors[0])
        with transaction.atomic():
            existing = SimulatedInvalidation.objects.filter(
                distribution_id=distribution_id, caller_reference=caller_reference
            ).first()
            if existing:
                if existing.paths != paths:
                    raise BackendError(
                        "InvalidationBatchAlreadyExists",
                        "An invalidation with this CallerReference and other paths already exists.",
                        409,
                    )
                return self._invalidation(self._settle_invalidation(existing))
            in_progress = [
                self._settle_invalidation(i)
                for i in SimulatedInvalidation.objects.filter(distribution_id=distribution_id, status="InProgress")
            ]
            pending = [p for i in in_progress if i.status == "InProgress" for p in i.paths] + paths
            wildcards = sum(1 for p in pending if inv.is_wildcard(p))
            if wildcards > inv.MAX_WILDCARDS_IN_PROGRESS or len(pending) - wildcards > inv.MAX_FILES_IN_PROGRESS:
                raise BackendError(
                    "TooManyInvalidationsInProgress",
                    f"At most {inv.MAX_FILES_IN_PROGRESS:,} file paths and {inv.MAX_WILDCARDS_IN_PROGRESS} wildcard "
                    "paths can be in progress per distribution; wait for running invalidations to complete.",
                )
            now = timezone.now()
            row = SimulatedInvalidation.objects.create(
                id="I" + "".join(secrets.choice(_UPPER) for _ in range(13)),
                distribution_id=distribution_id,
                paths=paths,
                caller_reference=caller_reference,
                status="InProgress",
                create_time=now,
                ready_at=_deploy_ready_at(),
            )
        self._drop_from_edge(distribution_id, paths)
        return self._invalidation(self._settle_invalidation(row))

    def list_invalidations(self, distribution_id):
        self._row(distribution_id)
        rows = SimulatedInvalidation.objects.filter(distribution_id=distribution_id)
        return [self._invalidation(self._settle_invalidation(row)) for row in rows]

    @staticmethod
    def _settle_invalidation(row):
        if row.status == "InProgress" and timezone.now() >= row.ready_at:
            SimulatedInvalidation.objects.filter(pk=row.pk).update(status="Completed")
            row.status = "Completed"
        return row

    @staticmethod
    def _invalidation(row):
        return {
            "Id": row.id,
            "Status": row.status,
            "CreateTime": row.create_time,
            "InvalidationBatch": {
                "Paths": {"Quantity": len(row.paths), "Items": list(row.paths)},
                "CallerReference": row.caller_reference,
            },
        }

    @staticmethod
    def _drop_from_edge(distribution_id, paths):
        """Running sandbox edges drop the objects too: each applies every EdgeInvalidation row once."""
        EdgeInvalidation.objects.create(distribution_id=distribution_id, paths=list(paths))

    # Simulator-only: what the edge serves.

    def deployed_config(self, distribution_id):
        """The config edge locations serve now, or None before the first deployment completes."""
        return cfg.clone(self._row(distribution_id).deployed_config)

    def find_by_host(self, host):
        """The distribution a viewer reaches with this Host: its d….cloudfront.net name, or the deployed
        alias that matches it most specifically (an exact alias before ``*.example.com``, see
        ``cloudfront/hosts.py``). Disabled distributions are found too: the caller answers for them."""
        host = hosts.normalize(host)
        row = SimulatedDistribution.objects.filter(domain_name=host).first() if host else None
        if row is None and host:
            best = None
            for candidate in SimulatedDistribution.objects.all():
                served = candidate.settle().deployed_config or {}
                alias = hosts.best_alias(cfg.aliases(served), host)
                if alias and (best is None or hosts.specificity(alias) > hosts.specificity(best[0])):
                    best = (alias, candidate)
            row = best[1] if best else None
        if row is None:
            raise no_distribution_serves(host)
        return row.settle()

    # For the sandbox API (distributions/api): a ListDistributions page, one invalidation, deletion.

    def list_distributions_page(self, marker="", max_items=100, where=None):
        """One ListDistributions page: ``(summaries, next marker or None)``.

        Distributions are listed by ID; a page holds those after ``marker`` (the
        previous page's last ID) that match the Q ``where``.
        """
        page, next_marker = self._page(marker, max_items, where)
        summaries = []
        for row in page:
            summary = self._summary(row)
            summary.pop("InProgressInvalidationBatches")
            summary["ETag"] = row.etag
            summaries.append(summary)
        return summaries, next_marker

    @staticmethod
    def _page(marker, max_items, where=None):
        """The rows after ``marker`` in ID order (at most ``max_items``) and the next marker, or None at the end."""
        rows = SimulatedDistribution.objects.order_by("id")
        if where is not None:
            rows = rows.filter(where)
        if marker:
            rows = rows.filter(id__gt=marker)
        rows = list(rows[: max_items + 1])
        return rows[:max_items], (rows[max_items - 1].id if len(rows) > max_items else None)

    def get_invalidation(self, distribution_id, invalidation_id):
        """GetInvalidation: one invalidation of the distribution, or NoSuchInvalidation."""
        self._row(distribution_id)
        row = SimulatedInvalidation.objects.filter(distribution_id=distribution_id, pk=invalidation_id).first()
        if row is None:
            raise BackendError("NoSuchInvalidation", f"The invalidation {invalidation_id} does not exist.", 404)
        return self._invalidation(self._settle_invalidation(row))

    def delete_distribution(self, distribution_id, if_match):
        """DeleteDistribution with CloudFront's rules: the current ETag as IfMatch, and the distribution
        disabled (``Enabled`` false) and Deployed first."""
        if not if_match:
            raise BackendError(
                "InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource."
            )
        with transaction.atomic():
            try:
                row = SimulatedDistribution.objects.select_for_update().get(pk=distribution_id)
            except SimulatedDistribution.DoesNotExist:
                raise NoSuchDistribution(distribution_id) from None
            row.settle()
            if if_match != row.etag:
                raise PreconditionFailed()
            if row.config.get("Enabled"):
                raise BackendError(
                    "DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.", 409
                )
            if row.status != DistributionStatus.DEPLOYED:
                raise BackendError(
                    "DistributionNotDisabled",
                    "The distribution is disabled but still In Progress; delete it once its status is Deployed.",
                    409,
                )
            SimulatedInvalidation.objects.filter(distribution_id=distribution_id).delete()
            row.delete()
