"""The fleet's HTTPS posture, read from the mirror: where viewers can still use plain HTTP.

Five queries whatever the fleet's size (distributions, their origins and
behaviors, their teams, the sync times), plus the user's roles. The mirror
rows are turned back into the small part of a DistributionConfig the checklist
reads, so the findings are the checklist's own (``checklist.check``). Only
``alias-not-covered`` needs the backend: the names of the custom certificates
that distributions with aliases use, one listing for the whole fleet
(``coverage.certificate_names``); a fleet on the default certificate makes no
backend call.
"""

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db.models import Max, Min, Q

from distributions import access
from distributions.cloudfront import patterns, shadowing
from distributions.cloudfront.certificates import certificate_reference
from distributions.cloudfront.checklist import check
from distributions.models import CacheBehavior, Distribution, Origin, TeamDistribution

from .coverage import certificate_names

ACME_CHALLENGE = "/.well-known/acme-challenge/*"
WRITE_METHODS = ("DELETE", "PATCH", "POST", "PUT")
# The checklist's findings about HTTPS (the posture's "other findings"); allows-http is listed as behaviors.
HTTPS_CODES = (
    "http-to-origin", "weak-origin-tls", "weak-viewer-tls", "default-certificate-with-aliases", "alias-not-covered",
)  # fmt: skip
NO_TEAM = "(no team)"


def default_exclusions():
    """Path patterns that must stay reachable over HTTP (``CONSOLE_HTTP_EXCLUSIONS``; ACME HTTP-01 by default)."""
    return list(getattr(settings, "CONSOLE_HTTP_EXCLUSIONS", [ACME_CHALLENGE]))


def excluded_by(path_pattern, exclusions):
    """The exclusion that covers every path this behavior serves, or None (never for the default behavior)."""
    if path_pattern == patterns.DEFAULT_PATTERN or not patterns.is_valid(path_pattern):
        return None
    for exclusion in exclusions:
        if not patterns.is_valid(exclusion):
            continue
        if patterns.normalize(exclusion) == patterns.normalize(path_pattern):
            return exclusion
        if shadowing.shadowed_by(path_pattern, [exclusion]) is not None:
            return exclusion
    return None


def accepts_writes(allowed_methods):
    """True when HTTP writes reach this behavior (AllowedMethods has POST, PUT, PATCH or DELETE)."""
    return any(method in allowed_methods for method in WRITE_METHODS)


@dataclass
class HttpBehavior:
    """One cache behavior that lets viewers use plain HTTP (ViewerProtocolPolicy allow-all)."""

    distribution_id: str
    comment: str
    teams: list
    path_pattern: str
    precedence: int
    is_default: bool
    allowed_methods: list
    origin_id: str
    origin_domain: str
    origin_protocol: str
    accepts_writes: bool
    shadowed: bool
    excluded_by: str | None

    def as_dict(self):
        """JSON-ready, for --format json and the page's download."""
        return asdict(self)


@dataclass
class FleetFinding:
    """One of the checklist's other HTTPS findings, on one distribution."""

    distribution_id: str
    teams: list
    code: str
    severity: str
    path_pattern: str | None
    origin_id: str | None
    message: str
    alias: str | None = None  # the alternate domain name, for alias-not-covered

    def as_dict(self):
        """JSON-ready, for --format json and the page's download."""
        return asdict(self)


@dataclass
class Posture:
    behaviors: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    distributions: int = 0
    synced_from: object = None  # the oldest mirror refresh among these distributions
    synced_to: object = None

    @property
    def by_code(self):
        """How many findings of each code, ``allows-http`` being the behaviors that allow HTTP."""
        counts = Counter({"allows-http": len(self.behaviors)} if self.behaviors else {})
        counts.update(f.code for f in self.findings)
        return dict(sorted(counts.items()))

    @property
    def by_team(self):
        """Per team: behaviors allowing HTTP and other findings (a distribution counts for each of its teams)."""
        counts = defaultdict(lambda: {"allows_http": 0, "findings": 0})
        for behavior in self.behaviors:
            for team in behavior.teams:
                counts[team]["allows_http"] += 1
        for finding in self.findings:
            for team in finding.teams:
                counts[team]["findings"] += 1
        return dict(sorted(counts.items()))

    def as_dict(self):
        """JSON-ready, for --format json and the page's download."""
        return {
            "distributions": self.distributions,
            "synced_from": self.synced_from.isoformat() if self.synced_from else None,
            "synced_to": self.synced_to.isoformat() if self.synced_to else None,
            "behaviors": [b.as_dict() for b in self.behaviors],
            "findings": [f.as_dict() for f in self.findings],
            "by_code": self.by_code,
            "by_team": self.by_team,
        }


def visible_distributions(user, team=None):
    """The distributions ``user`` may see (None: the shell's operator sees all), optionally one team's."""
    query = Q() if user is None else access.visible_filter(user)
    if team:
        query &= Q(pk__in=TeamDistribution.objects.filter(team__name=team).values("distribution_id"))
    return Distribution.objects.filter(query)


def _quantity(items):
    items = list(items)
    return {"Quantity": len(items), "Items": items}


def mirror_config(row, origins, behaviors):
    """The part of a DistributionConfig the checklist reads, rebuilt from mirror rows (values dicts)."""
    origin_items = []
    for origin in origins:
        item = {"Id": origin["origin_id"], "DomainName": origin["domain_name"]}
        if origin["origin_type"] == "S3":
            item["S3OriginConfig"] = {}
        else:
            item["CustomOriginConfig"] = {
                "OriginProtocolPolicy": origin["protocol_policy"],
                "OriginSslProtocols": _quantity(origin["ssl_protocols"] or []),
            }
        origin_items.append(item)
    items, default = [], {}
    for behavior in sorted(behaviors, key=lambda b: b["precedence"]):
        data = {
            "PathPattern": behavior["path_pattern"],
            "TargetOriginId": behavior["target_origin_id"],
            "ViewerProtocolPolicy": behavior["viewer_protocol_policy"],
            "AllowedMethods": _quantity(behavior["allowed_methods"] or []),
        }
        if behavior["is_default"]:
            del data["PathPattern"]
            default = data
        else:
            items.append(data)
    return {
        "Origins": _quantity(origin_items),
        "DefaultCacheBehavior": default,
        "CacheBehaviors": _quantity(items),
        "Aliases": _quantity(row["aliases"] or []),
        "ViewerCertificate": row["certificate"] or {},
    }


def _rows(distributions):
    """Distribution, origin, behavior and team rows for these distributions: four queries."""
    ids = distributions.values("pk")
    rows = list(distributions.order_by("id").values("id", "comment", "aliases", "certificate"))
    origins, behaviors, teams = defaultdict(list), defaultdict(list), defaultdict(list)
    origin_fields = ("distribution_id", "origin_id", "domain_name", "origin_type", "protocol_policy", "ssl_protocols")
    for origin in Origin.objects.filter(distribution__in=ids).order_by().values(*origin_fields):
        origins[origin["distribution_id"]].append(origin)
    behavior_fields = (
        "distribution_id", "precedence", "is_default", "path_pattern", "target_origin_id",
        "viewer_protocol_policy", "allowed_methods",
    )  # fmt: skip
    for behavior in CacheBehavior.objects.filter(distribution__in=ids).order_by().values(*behavior_fields):
        behaviors[behavior["distribution_id"]].append(behavior)
    owned = TeamDistribution.objects.filter(distribution_id__in=ids).order_by("team__name")
    for distribution_id, name in owned.values_list("distribution_id", "team__name"):
        teams[distribution_id].append(name)
    return rows, origins, behaviors, teams


def _distribution_posture(row, origins, behaviors, teams, exclusions, names):
    """The HTTP behaviors and other HTTPS findings of one distribution (no query).

    ``names`` maps a custom certificate's reference to the names it covers (None: unknown, not checked).
    """
    config = mirror_config(row, origins, behaviors)
    findings = check(config, names.get(certificate_reference(config)))
    unused = {f.path_pattern for f in findings if f.code in ("shadowed-behavior", "duplicate-path-pattern")}
    by_id = {o["origin_id"]: o for o in origins}
    http = []
    for behavior in sorted(behaviors, key=lambda b: b["precedence"]):
        if behavior["viewer_protocol_policy"] != "allow-all":
            continue
        pattern = "*" if behavior["is_default"] else behavior["path_pattern"]
        origin = by_id.get(behavior["target_origin_id"], {})
        methods = list(behavior["allowed_methods"] or [])
        http.append(
            HttpBehavior(
                row["id"],
                row["comment"],
                teams,
                pattern,
                behavior["precedence"],
                behavior["is_default"],
                methods,
                behavior["target_origin_id"],
                origin.get("domain_name", ""),
                origin.get("protocol_policy") or ("match-viewer" if origin.get("origin_type") == "S3" else ""),
                accepts_writes(methods),
                pattern in unused,
                excluded_by(pattern, exclusions),
            )  # fmt: skip
        )
    other = [
        FleetFinding(row["id"], teams, f.code, f.severity, f.path_pattern, f.origin_id, f.message, f.alias)
        for f in findings
        if f.code in HTTPS_CODES
    ]
    return http, other


def fleet_posture(user=None, team=None, exclusions=None, backend=None):
    """Every behavior of the distributions ``user`` may see that allows HTTP, and the other HTTPS findings.

    ``user`` None is the shell's operator (every distribution). ``team`` limits it
    to one team's distributions. Reads the mirror, in constant queries; asks
    ``backend`` only for the names of the custom certificates behind aliases.
    """
    exclusions = default_exclusions() if exclusions is None else list(exclusions)
    distributions = visible_distributions(user, team)
    rows, origins, behaviors, teams = _rows(distributions)
    posture = Posture(distributions=len(rows))
    if rows:
        span = distributions.aggregate(oldest=Min("synced_at"), newest=Max("synced_at"))
        posture.synced_from, posture.synced_to = span["oldest"], span["newest"]
    names = certificate_names(rows, backend)
    for row in rows:
        owners = teams.get(row["id"]) or [NO_TEAM]
        http, other = _distribution_posture(row, origins[row["id"]], behaviors[row["id"]], owners, exclusions, names)
        posture.behaviors += http
        posture.findings += other
    return posture


CSV_HEADER = (
    "kind", "distribution_id", "teams", "code", "severity", "path_pattern", "allowed_methods",
    "origin_id", "origin_domain", "origin_protocol", "note", "alias",
)  # fmt: skip


def behavior_note(behavior):
    """Why this HTTP behavior needs care: excluded, never used, or accepting writes."""
    notes = []
    if behavior.excluded_by:
        notes.append(f"excluded from plans ({behavior.excluded_by} must stay reachable over HTTP)")
    if behavior.shadowed:
        notes.append("never used: shadowed by earlier behaviors")
    if behavior.accepts_writes:
        notes.append("accepts writes: HTTPS Only recommended")
    return "; ".join(notes)


def csv_rows(posture):
    """The posture as CSV rows (header first): one row per HTTP behavior, then one per other finding."""
    yield CSV_HEADER
    for b in posture.behaviors:
        yield (
            "behavior", b.distribution_id, " ".join(b.teams), "allows-http", "warning", b.path_pattern,
            " ".join(b.allowed_methods), b.origin_id, b.origin_domain, b.origin_protocol, behavior_note(b), "",
        )  # fmt: skip
    for f in posture.findings:
        yield (
            "finding", f.distribution_id, " ".join(f.teams), f.code, f.severity, f.path_pattern or "", "",
            f.origin_id or "", "", "", f.message, f.alias or "",
        )  # fmt: skip
