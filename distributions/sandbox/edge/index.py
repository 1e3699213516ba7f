"""The edge's in-memory view of the deployed simulated distributions.

``EdgeIndex.refresh`` runs off the request path (the edge calls it every half
second from its database thread): it completes deployments whose delay has
passed, compares a cheap fingerprint of the simulator's rows, and only when
something changed reloads the deployed configs and swaps in a new ``Snapshot``.
The request path reads ``index.snapshot`` and never queries the database.
"""

import logging
from dataclasses import dataclass, field

from django.utils import timezone

from ...cloudfront import config as cfg
from ...cloudfront import hosts, viewer
from ...cloudfront.certificates import certificate_reference
from ...models import DistributionStatus
from ..models import EdgeInvalidation, SimulatedCertificate, SimulatedDistribution
from .cache import cache_rule

logger = logging.getLogger(__name__)

LOCAL_ORIGIN_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
_MEMO_LIMIT = 4096


@dataclass(frozen=True)
class OriginRoute:
    """How the edge reaches one origin of a distribution."""

    id: str
    domain_name: str
    origin_path: str
    protocol_policy: str  # http-only, match-viewer or https-only
    http_port: int
    https_port: int
    is_local: bool
    connect_timeout: float
    read_timeout: float

    @classmethod
    def from_config(cls, origin, local_hosts):
        custom = origin.get("CustomOriginConfig") or {}
        domain = (origin.get("DomainName") or "").lower()
        return cls(
            id=origin.get("Id", ""),
            domain_name=domain,
            origin_path=(origin.get("OriginPath") or "").rstrip("/"),
            protocol_policy=cfg.origin_protocol_policy(origin) or "match-viewer",
            http_port=int(custom.get("HTTPPort", 80)),
            https_port=int(custom.get("HTTPSPort", 443)),
            is_local=domain in local_hosts,
            connect_timeout=float(origin.get("ConnectionTimeout", 10)),
            read_timeout=float(custom.get("OriginReadTimeout", 30)),
        )

    def scheme_for(self, viewer_scheme):
        """The protocol CloudFront uses towards this origin for a viewer's request."""
        if self.protocol_policy == "http-only":
            return "http"
        if self.protocol_policy == "https-only":
            return "https"
        return viewer_scheme


@dataclass(frozen=True)
class BehaviorRoute:
    origin: OriginRoute | None
    cache: object  # CacheRule
    cached_methods: frozenset


@dataclass
class EdgeDistribution:
    """One deployed distribution as the edge serves it."""

    id: str
    domain_name: str
    config: dict
    compiled: viewer.CompiledConfig
    enabled: bool
    aliases: list
    certificate_ref: str | None  # ACMCertificateArn or IAMCertificateId; None for *.cloudfront.net
    minimum_protocol_version: str
    behaviors: list = field(default_factory=list)  # BehaviorRoute per precedence

    @classmethod
    def build(cls, distribution_id, domain_name, config, local_hosts=LOCAL_ORIGIN_HOSTS):
        origins = {o.get("Id"): OriginRoute.from_config(o, local_hosts) for o in cfg.origins(config)}
        compiled = viewer.CompiledConfig(config)
        behaviors = []
        for behavior in compiled.behaviors:
            cached = cfg.items((behavior.data.get("AllowedMethods") or {}).get("CachedMethods")) or ["GET", "HEAD"]
            behaviors.append(
                BehaviorRoute(origins.get(behavior.target_origin_id), cache_rule(behavior.data), frozenset(cached))
            )
        certificate = config.get("ViewerCertificate") or {}
        return cls(
            id=distribution_id,
            domain_name=domain_name.lower(),
            config=config,
            compiled=compiled,
            enabled=bool(config.get("Enabled", True)),
            aliases=[a.lower().rstrip(".") for a in cfg.aliases(config)],
            certificate_ref=certificate_reference(config),
            minimum_protocol_version=certificate.get("MinimumProtocolVersion") or "TLSv1",
            behaviors=behaviors,
        )

    def __post_init__(self):
        self._paths = {}  # raw request path -> behavior index: the request path's memo
        self._rules = self.compiled.rules

    @property
    def hostnames(self):
        return [self.domain_name, *self.aliases]

    def route(self, method, scheme, raw_path, http_version=viewer.DEFAULT_HTTP_VERSION):
        """(status, behavior index) for a request: ``viewer.CompiledConfig.verdict`` with a bounded
        memo of path -> behavior, so that a path seen before costs a dictionary lookup.

        ``http_version`` as ASGI gives it ("1.0", "1.1", "2"): HTTP/1.1+ writes under Redirect
        HTTP to HTTPS get 307, HTTP/1.0 ones 403."""
        index = self._paths.get(raw_path)
        if index is None:
            index = self.compiled.behavior_index(raw_path.decode("latin-1"))
            if len(self._paths) >= _MEMO_LIMIT:
                self._paths.clear()
            self._paths[raw_path] = index
        policy, allowed = self._rules[index]
        return viewer.apply_policy(policy, allowed, method, scheme, http_version)[0], index


def split_host(value):
    """The host name of a Host header value (port removed, lower case, no trailing dot)."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        name = value[: end + 1] if end > 0 else value
    else:
        name = value.rsplit(":", 1)[0] if value.count(":") == 1 else value
    return name.lower().rstrip(".")


class Snapshot:
    """Deployed distributions by host name, as of one refresh. Never changed once built,
    except for ``_memo``, a cache of raw Host header -> (distribution, host bytes).

    Exact names (d….cloudfront.net and aliases) are looked up first, then wildcard
    aliases from the most specific down (``cloudfront/hosts.py``): ``*.example.com``
    serves ``blog.example.com`` unless an exact alias or a longer wildcard claims it.
    Disabled distributions are found too; the edge answers 403 for them.
    """

    def __init__(self, distributions=()):
        self.distributions = {d.id: d for d in distributions}
        self.by_host = {}
        self.wildcards = {}
        for distribution in distributions:
            for name in distribution.hostnames:
                (self.wildcards if name.startswith("*.") else self.by_host)[name] = distribution
        self._memo = {}

    def resolve(self, name):
        """The distribution serving a bare host name (lower case, no port), or None."""
        found = self.by_host.get(name)
        if found is None and self.wildcards:
            for key in hosts.wildcard_keys(name):
                found = self.wildcards.get(key)
                if found is not None:
                    break
        return found

    def find(self, host):
        """The distribution serving ``host`` (a Host header value, port allowed), or None."""
        return self.resolve(split_host(host))

    def lookup(self, raw_host):
        """For the request path: ``(distribution or None, host name bytes without port)``."""
        found = self._memo.get(raw_host)
        if found is not None:
            return found
        text = raw_host.decode("latin-1")
        name = text.strip()
        if name.startswith("["):
            bare = name[: name.find("]") + 1]
        else:
            bare = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
        found = (self.resolve(split_host(text)), bare.encode("latin-1"))
        if len(self._memo) < _MEMO_LIMIT:
            self._memo[raw_host] = found
        return found


@dataclass
class RefreshResult:
    changed: bool = False
    certificates_changed: bool = False
    invalidations: list = field(default_factory=list)  # (distribution_id, paths, created timestamp)


class EdgeIndex:
    """The deployed configs, certificates and invalidations the edge needs, kept fresh."""

    def __init__(self, local_hosts=()):
        self.local_hosts = LOCAL_ORIGIN_HOSTS | {h.lower() for h in local_hosts}
        self.snapshot = Snapshot()
        self.certificates = {}  # ARN and IAM ID -> SimulatedCertificate
        self._fingerprint = None
        self._certificate_ids = None
        self._last_invalidation = None

    def refresh(self):
        """Bring the snapshot up to date; cheap when nothing changed. Runs on a database thread."""
        result = RefreshResult()
        due = SimulatedDistribution.objects.filter(
            status=DistributionStatus.IN_PROGRESS, deploy_ready_at__lte=timezone.now()
        )
        for row in due:
            row.settle()  # completes deployments whose delay has passed
        fingerprint = list(SimulatedDistribution.objects.order_by("pk").values_list("pk", "etag", "status"))
        if fingerprint != self._fingerprint:
            rows = SimulatedDistribution.objects.filter(deployed_config__isnull=False).values_list(
                "pk", "domain_name", "deployed_config"
            )
            distributions = []
            for pk, domain_name, deployed in rows:
                try:
                    distributions.append(EdgeDistribution.build(pk, domain_name, deployed, self.local_hosts))
                except Exception:  # one broken config must not take the others down
                    logger.exception("The edge cannot serve distribution %s", pk)
            self.snapshot = Snapshot(distributions)
            self._fingerprint = fingerprint
            result.changed = True
        certificate_ids = list(SimulatedCertificate.objects.order_by("pk").values_list("pk", "not_after"))
        if certificate_ids != self._certificate_ids:
            certificates = {}
            for certificate in SimulatedCertificate.objects.all():
                certificates[certificate.arn] = certificate
                certificates[certificate.iam_certificate_id] = certificate
            self.certificates = certificates
            self._certificate_ids = certificate_ids
            result.certificates_changed = True
        if self._last_invalidation is None:
            self._last_invalidation = EdgeInvalidation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        else:
            for row in EdgeInvalidation.objects.filter(pk__gt=self._last_invalidation).order_by("pk"):
                result.invalidations.append((row.distribution_id, list(row.paths), row.created.timestamp()))
                self._last_invalidation = row.pk
        return result
