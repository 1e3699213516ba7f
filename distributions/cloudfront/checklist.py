"""The step-7 checklist: what to fix before requiring HTTPS, found in a DistributionConfig.

``check(config)`` returns findings, each one line saying how to fix it. The
rules follow the reference page (path patterns, order, origins) and the AWS
controls that audit the same settings: AWS Config's
cloudfront-viewer-policy-https and Security Hub CloudFront.3 (every behavior,
not only the default, must require HTTPS), CloudFront.9 (traffic to custom
origins is encrypted), CloudFront.10 (no deprecated origin SSL protocols).

Severities: "error" when the config does not do what its author meant (a
behavior that can never be chosen, a missing origin, a name the certificate
does not cover); "warning" when it works but leaves traffic unencrypted or
weakly encrypted, or lets a write cross the network unencrypted before its
307. No rule
emits "info" yet; the level exists so the console can add notes without a
new shape.
"""

import marshal
from dataclasses import asdict, dataclass
from functools import lru_cache

from . import config as cfg
from . import defaults, patterns, shadowing
from .certificates import covers

ERROR, WARNING, INFO = "error", "warning", "info"

# Methods that carry a body or change state. Under Redirect HTTP to HTTPS, CloudFront
# answers them (and OPTIONS) over HTTP/1.1+ with 307 to the HTTPS URL, over HTTP/1.0 with 403:
# by then the request, body included, has crossed the network unencrypted (cloudfront-facts.md).
# OPTIONS is no write: a GET/HEAD/OPTIONS behavior (CORS) gets no finding.
WRITE_METHODS = ("DELETE", "PATCH", "POST", "PUT")
WEAK_ORIGIN_PROTOCOLS = cfg.ORIGIN_SSL_PROTOCOLS[: cfg.ORIGIN_SSL_PROTOCOLS.index("TLSv1.2")]
# MinimumProtocolVersion values (viewer security policies), weakest first, from botocore's model.
VIEWER_TLS_POLICIES = cfg.VIEWER_TLS_POLICIES
RECOMMENDED_VIEWER_TLS = cfg.RECOMMENDED_SECURITY_POLICY
FIX_POLICY = "set Viewer Protocol Policy to Redirect HTTP to HTTPS or HTTPS Only"


@dataclass(frozen=True)
class Finding:
    """One thing to fix; ``path_pattern`` is None for origin and distribution findings."""

    code: str
    severity: str  # "error" | "warning" | "info"
    path_pattern: str | None  # as written in the config; "*" for the default behavior
    origin_id: str | None
    message: str  # one line, saying how to fix it
    alias: str | None = None  # the alternate domain name, for alias-not-covered

    @property
    def key(self) -> tuple:
        """What identifies the finding across two versions of a config (messages may change)."""
        return (self.code, self.path_pattern, self.origin_id, self.alias)

    def as_dict(self) -> dict:
        """The finding as JSON: what ``check_distribution --format json`` prints."""
        return asdict(self)


def _label(behavior):
    if behavior.is_default:
        return "The default cache behavior (*)"
    return f"Cache behavior {behavior.path_pattern!r}"


def _one_line(text):
    return " ".join(str(text).split())


def _origin_group_members(config, group_id):
    for group in cfg.items(config.get("OriginGroups")):
        if group.get("Id") == group_id:
            return [m.get("OriginId") for m in cfg.items(group.get("Members"))]
    return None


def _path_findings(behavior_list):
    """invalid-path-pattern, duplicate-path-pattern or shadowed-behavior, by precedence (at most one each).

    The default behavior is checked too: behind earlier patterns that catch
    every path, editing its policy would change nothing a viewer gets.
    """
    found = {}
    earlier = []  # (normalized pattern, behavior) of valid patterns seen so far
    for behavior in behavior_list:
        pattern = behavior.path_pattern
        if not behavior.is_default:
            error = patterns.pattern_error(pattern)
            if error:
                found[behavior.precedence] = Finding(
                    "invalid-path-pattern", ERROR, pattern, None, _one_line(f"{error} Change the path pattern.")
                )
                continue
            # The leading slash is optional, so 'a/*' repeats '/a/*'.
            first = next((b for n, b in earlier if n == patterns.normalize(pattern)), None)
            if first is not None:
                same = "" if first.path_pattern == pattern else " (the leading '/' is optional)"
                found[behavior.precedence] = Finding(
                    "duplicate-path-pattern", ERROR, pattern, None,
                    f"{_label(behavior)} repeats the path pattern of behavior {first.precedence + 1} "
                    f"{first.path_pattern!r}{same}; only the first is ever used: delete this behavior "
                    "or change its path pattern.",
                )  # fmt: skip
                continue
        catchers = shadowing.shadowed_by(pattern, [b.path_pattern for _, b in earlier])
        if catchers is not None:
            names = ", ".join(repr(p) for p in catchers)
            fix = (
                "narrow or delete those behaviors, or its settings never apply"
                if behavior.is_default
                else "move it higher in the list or delete it"
            )
            found[behavior.precedence] = Finding(
                "shadowed-behavior", ERROR, pattern, None,
                f"{_label(behavior)} is never used: every path it matches is caught first by {names}; {fix}.",
            )  # fmt: skip
        earlier.append((patterns.normalize(pattern), behavior))
    return found


def _behavior_findings(config, behavior):
    result = []
    pattern = behavior.path_pattern
    policy = behavior.viewer_protocol_policy
    label = _label(behavior)
    if policy == "allow-all":
        result.append(
            Finding("allows-http", WARNING, pattern, None, f"{label} lets viewers use plain HTTP; {FIX_POLICY}.")
        )
    if policy == "redirect-to-https":
        methods = [m for m in WRITE_METHODS if m in behavior.allowed_methods]
        if methods:
            shown = ", ".join(methods)
            result.append(
                Finding(
                    "redirect-307-methods",
                    WARNING,
                    pattern,
                    None,
                    f"{label} redirects HTTP to HTTPS and takes {shown}: an HTTP {shown} request has crossed the "
                    "network unencrypted, body included, before CloudFront answers 307 (HTTP/1.0 clients get 403); "
                    "choose HTTPS Only for behaviors that take writes.",
                )  # fmt: skip
            )
    target = behavior.target_origin_id
    if cfg.find_origin(config, target) is not None:
        origin_ids = [target]
    else:
        origin_ids = _origin_group_members(config, target)
        if origin_ids is None:
            result.append(
                Finding(
                    "missing-origin",
                    ERROR,
                    pattern,
                    target,
                    f"{label} routes to origin {target!r}, which is not an origin or origin group of this "
                    "distribution; choose an existing origin.",
                )  # fmt: skip
            )
            return result
    for origin_id in origin_ids:
        origin = cfg.find_origin(config, origin_id)
        # S3 REST origins are out of scope: CloudFront.9 audits custom origins.
        if origin is None or cfg.origin_type(origin) == "S3":
            continue
        origin_policy = cfg.origin_protocol_policy(origin)
        reaches = f"origin {origin_id!r} over plain HTTP ({origin_policy})"
        if origin_policy == "http-only" and policy == "allow-all":
            message = f"{label} reaches {reaches}; set the origin's protocol to HTTPS Only."
        elif origin_policy == "http-only":
            message = (
                f"{label} requires HTTPS from viewers but reaches {reaches}; set the origin's protocol to HTTPS Only."
            )
        elif origin_policy == "match-viewer" and policy == "allow-all":
            message = f"{label} forwards viewers' HTTP requests to {reaches}; {FIX_POLICY}, or set the origin's protocol to HTTPS Only."
        else:
            continue
        result.append(Finding("http-to-origin", WARNING, pattern, origin_id, message))
    return result


def _origin_findings(config):
    result = []
    for origin in cfg.origins(config):
        custom = origin.get("CustomOriginConfig")
        # An http-only origin uses no TLS at all: http-to-origin says what is wrong with it.
        if not custom or custom.get("OriginProtocolPolicy") == "http-only":
            continue
        weak = [p for p in WEAK_ORIGIN_PROTOCOLS if p in cfg.items(custom.get("OriginSslProtocols"))]
        if weak:
            result.append(
                Finding(
                    "weak-origin-tls",
                    WARNING,
                    None,
                    origin.get("Id"),
                    f"Origin {origin.get('Id')!r} accepts {', '.join(weak)} for HTTPS to the origin; "
                    "keep only TLSv1.2 in its origin SSL protocols.",
                )  # fmt: skip
            )
    return result


def uses_default_certificate(config: dict) -> bool:
    """True when viewers get the *.cloudfront.net certificate (also when none is configured)."""
    certificate = config.get("ViewerCertificate") or {}
    if certificate.get("CloudFrontDefaultCertificate"):
        return True
    return not (certificate.get("ACMCertificateArn") or certificate.get("IAMCertificateId"))


def _certificate_findings(config, certificate_names):
    result = []
    alias_list = cfg.aliases(config)
    if uses_default_certificate(config):
        if alias_list:
            result.append(
                Finding(
                    "default-certificate-with-aliases",
                    ERROR,
                    None,
                    None,
                    f"The default *.cloudfront.net certificate cannot serve HTTPS for {', '.join(alias_list)}; "
                    "choose a custom SSL certificate (ACM, us-east-1) that covers them.",
                )  # fmt: skip
            )
        return result
    if certificate_names is not None:
        for alias in alias_list:
            if not covers(certificate_names, alias):
                result.append(
                    Finding(
                        "alias-not-covered",
                        ERROR,
                        None,
                        None,
                        f"The custom certificate does not cover {alias} (it covers {', '.join(certificate_names) or 'no names'}); "
                        "add the name to the certificate or remove the alternate domain name.",
                        alias,
                    )  # fmt: skip
                )
    # A custom certificate sent without a security policy is stored with CloudFront's default (defaults.py).
    version = (config.get("ViewerCertificate") or {}).get(
        "MinimumProtocolVersion"
    ) or defaults.CUSTOM_CERTIFICATE_POLICY
    if version in VIEWER_TLS_POLICIES and VIEWER_TLS_POLICIES.index(version) < VIEWER_TLS_POLICIES.index(
        RECOMMENDED_VIEWER_TLS
    ):
        result.append(
            Finding(
                "weak-viewer-tls",
                WARNING,
                None,
                None,
                f"Viewers may connect with security policy {version}; choose {RECOMMENDED_VIEWER_TLS} or newer.",
            )  # fmt: skip
        )
    return result


def check(config: dict, certificate_names: list | None = None) -> list[Finding]:
    """The checklist's findings for a DistributionConfig dict, in a stable order.

    Behavior findings come first, in evaluation order (the default last), then
    origin findings in origin order, then certificate findings. Pass the custom
    certificate's names (its SANs) as ``certificate_names`` to check that they
    cover every alias; with None that check is skipped for custom certificates.

    The findings of the last configs checked are kept, by their serialized content: a review checks the
    config an edit began from more than once, and the Behaviors tab checks the same config on every view.
    """
    try:
        # Version 2 writes no back-references, so equal values give equal bytes; a different value never does.
        key = marshal.dumps((config, certificate_names), 2)
    except ValueError:  # not plain JSON (a date, a subclass): checked as it is
        return _check(config, certificate_names)
    return list(_check_serialized(key))


@lru_cache(maxsize=64)
def _check_serialized(key: bytes) -> tuple[Finding, ...]:
    config, certificate_names = marshal.loads(key)
    return tuple(_check(config, certificate_names))


def _check(config: dict, certificate_names: list | None) -> list[Finding]:
    behavior_list = cfg.behaviors(config)
    path_findings = _path_findings(behavior_list)
    result = []
    for behavior in behavior_list:
        found = _behavior_findings(config, behavior)
        if behavior.precedence in path_findings:
            found.append(path_findings[behavior.precedence])
        result += sorted(found, key=lambda f: (f.code, f.origin_id or ""))
    result += _origin_findings(config)
    result += sorted(_certificate_findings(config, certificate_names), key=lambda f: f.code)
    return result


def shape_error(config: object) -> str | None:
    """Why ``config`` cannot be read as a DistributionConfig, or None when it can."""
    if not isinstance(config, dict):
        return "a DistributionConfig must be a JSON object"
    if not isinstance(config.get("DefaultCacheBehavior"), dict):
        return "no DistributionConfig with a DefaultCacheBehavior object found"
    for field, kind in (("CacheBehaviors", dict), ("Origins", dict), ("OriginGroups", dict), ("Aliases", str)):
        container = config.get(field)
        if container is None:
            continue
        if not isinstance(container, dict) or not isinstance(container.get("Items", []), list):
            return f"{field} must be an object with an Items list"
        if not all(isinstance(item, kind) for item in container.get("Items") or []):
            return f"every item of {field}.Items must be a JSON {'object' if kind is dict else 'string'}"
    if not isinstance(config.get("ViewerCertificate") or {}, dict):
        return "ViewerCertificate must be an object"
    return None


def diff_findings(before: list[Finding], after: list[Finding]) -> tuple[list, list]:
    """Findings ``after`` adds and findings it removes compared with ``before``: (added, removed).

    Findings are compared by code and subject (path pattern, origin, alias), so a
    reworded message is not a change.
    """
    before_keys = {f.key for f in before}
    after_keys = {f.key for f in after}
    added = [f for f in after if f.key not in before_keys]
    removed = [f for f in before if f.key not in after_keys]
    return added, removed
