"""Read, edit and validate a DistributionConfig dict (the shape of GetDistributionConfig).

Edits never rebuild a config: they deep-copy the fetched dict and change only the
fields asked for, so everything the console does not model goes back untouched.
"""

import copy
import marshal
import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import patterns, rules, service_model
from .errors import ConfigError
from .quotas import DEFAULT as DEFAULT_QUOTAS
from .quotas import Quotas

# Display labels of the console (the model has no labels); the values themselves are the model's.
POLICY_LABELS = {
    "allow-all": "HTTP and HTTPS",
    "redirect-to-https": "Redirect HTTP to HTTPS",
    "https-only": "HTTPS Only",
}
VIEWER_PROTOCOL_POLICIES = tuple(p for p in POLICY_LABELS if p in service_model.enum("ViewerProtocolPolicy"))
ORIGIN_PROTOCOL_POLICIES = service_model.enum("OriginProtocolPolicy")
ORIGIN_SSL_PROTOCOLS = service_model.enum("SslProtocol")  # the model lists them weakest first
METHOD_SETS = rules.METHOD_SETS
MAX_COMMENT = rules.MAX_COMMENT
SSL_SUPPORT_METHODS = service_model.enum("SSLSupportMethod")
RECOMMENDED_SECURITY_POLICY = "TLSv1.2_2021"  # the console's recommendation (Developer Guide, security policies)


def security_policy_strength(name: str) -> tuple:
    """Sort key of a viewer security policy, weakest first: (TLS version, policy year).

    ``SSLv3`` < ``TLSv1`` < ``TLSv1_2016`` < ``TLSv1.1_2016`` < … < ``TLSv1.2_2025`` < ``TLSv1.3_2025``.
    """
    found = re.fullmatch(r"TLSv(\d(?:\.\d)?)(?:_(\d{4}))?", name or "")
    if not found:
        return (0.0, 0)
    return (float(found.group(1)), int(found.group(2) or 0))


VIEWER_TLS_POLICIES = tuple(sorted(service_model.enum("MinimumProtocolVersion"), key=security_policy_strength))
# The settings page lists the recommended policy first, then the others strongest first.
SECURITY_POLICIES = (RECOMMENDED_SECURITY_POLICY,) + tuple(
    p for p in reversed(VIEWER_TLS_POLICIES) if p != RECOMMENDED_SECURITY_POLICY
)


@dataclass(frozen=True)
class Behavior:
    """One cache behavior in evaluation order; ``data`` is the config's own dict."""

    precedence: int  # 0-based position in evaluation order; the default is last
    path_pattern: str  # as written in the config; "*" for the default behavior
    is_default: bool
    data: dict

    @property
    def viewer_protocol_policy(self) -> str | None:
        """allow-all, redirect-to-https or https-only (None when the config lacks it)."""
        return self.data.get("ViewerProtocolPolicy")

    @property
    def target_origin_id(self) -> str | None:
        """The origin or origin group this behavior routes to."""
        return self.data.get("TargetOriginId")

    @property
    def allowed_methods(self) -> list[str]:
        """The methods CloudFront serves for this behavior (GET and HEAD when the config names none)."""
        return list(self.data.get("AllowedMethods", {}).get("Items", ["GET", "HEAD"]))


def clone(value: object) -> object:
    """A deep copy of a JSON value (dicts, lists, strings, numbers, booleans, None).

    Six times faster than ``copy.deepcopy`` on a config at today's quotas: marshal copies those types
    in C. Anything else (a subclass, a date) falls back to ``copy.deepcopy``.
    """
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:
        return copy.deepcopy(value)


def items(container: dict | None) -> list:
    """The ``Items`` of a ``{"Quantity": n, "Items": [...]}`` list, [] when absent."""
    if not container:
        return []
    return container.get("Items") or []


def behaviors(config: dict) -> list[Behavior]:
    """Every cache behavior in the order CloudFront evaluates them, default last."""
    result = [
        Behavior(i, b.get("PathPattern", ""), False, b) for i, b in enumerate(items(config.get("CacheBehaviors")))
    ]
    result.append(Behavior(len(result), patterns.DEFAULT_PATTERN, True, config.get("DefaultCacheBehavior", {})))
    return result


def find_behavior(config: dict, path_pattern: str) -> Behavior | None:
    """The behavior whose pattern is written ``path_pattern``; ``*`` is the default."""
    if path_pattern == patterns.DEFAULT_PATTERN:
        return behaviors(config)[-1]
    for behavior in behaviors(config)[:-1]:
        if behavior.path_pattern == path_pattern:
            return behavior
    return None


def origins(config: dict) -> list[dict]:
    """The config's origins, in order."""
    return items(config.get("Origins"))


def find_origin(config: dict, origin_id: str | None) -> dict | None:
    """The origin whose Id is ``origin_id`` (not an origin group), or None."""
    for origin in origins(config):
        if origin.get("Id") == origin_id:
            return origin
    return None


def origin_type(origin: dict) -> str:
    """``S3`` for an S3 REST origin, ``Custom`` otherwise (custom origins, S3 website endpoints)."""
    if "S3OriginConfig" in origin and "CustomOriginConfig" not in origin:
        return "S3"
    return "Custom"


def origin_protocol_policy(origin: dict) -> str | None:
    """How CloudFront reaches the origin: http-only, match-viewer or https-only."""
    custom = origin.get("CustomOriginConfig")
    if custom:
        return custom.get("OriginProtocolPolicy")
    # S3 REST origins are reached with the protocol the viewer used.
    return "match-viewer" if origin_type(origin) == "S3" else None


def aliases(config: dict) -> list[str]:
    """The alternate domain names, as written in the config."""
    return list(items(config.get("Aliases")))


def requires_https(config: dict) -> bool:
    """True when no behavior, default included, lets viewers use plain HTTP."""
    return all(b.viewer_protocol_policy != "allow-all" for b in behaviors(config))


def set_viewer_protocol_policy(config: dict, path_patterns: list[str], policy: str) -> dict:
    """A copy of ``config`` with only the named behaviors' ViewerProtocolPolicy changed.

    Raises ConfigError: ``InvalidArgument`` for an unknown policy,
    ``NoSuchCacheBehavior`` for a pattern naming no behavior. The input dict is
    never modified.
    """
    if policy not in VIEWER_PROTOCOL_POLICIES:
        raise ConfigError(
            "InvalidArgument",
            f"Unknown viewer protocol policy {policy!r}; use one of {', '.join(VIEWER_PROTOCOL_POLICIES)}.",
        )
    path_patterns = list(dict.fromkeys(path_patterns))
    if not path_patterns:
        raise ConfigError("InvalidArgument", "Choose at least one cache behavior.")
    edited = clone(config)
    for pattern in path_patterns:
        behavior = find_behavior(edited, pattern)
        if behavior is None:
            raise ConfigError("NoSuchCacheBehavior", f"No cache behavior has the path pattern {pattern!r}.")
        behavior.data["ViewerProtocolPolicy"] = policy
    return edited


def validate(config: dict, quotas: Quotas = DEFAULT_QUOTAS, certificate_names: list | None = None) -> None:
    """Raise ConfigError with CloudFront's code when CloudFront would refuse ``config``.

    The rules themselves live in ``rules.py``; ``problems`` lists all of them at once.
    """
    rules.validate(config, quotas, certificate_names)


def problems(config: dict, quotas: Quotas = DEFAULT_QUOTAS, certificate_names: list | None = None) -> list:
    """Every ConfigError CloudFront's rules find in ``config`` (empty when it would accept it).

    In AWS mode these are the console's own opinion, shown as warnings: AWS
    decides, and its answer is shown as it comes.
    """
    return list(rules.problems(config, quotas, certificate_names))


def diff(old: object, new: object, path: str = "") -> list[tuple]:
    """Leaf-level differences between two JSON values, as (path, old, new) tuples."""
    if old == new:  # compared in C: equal subtrees (most of a config) are not walked
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in sorted(set(old) | set(new), key=str):
            changes += diff(old.get(key, _MISSING), new.get(key, _MISSING), f"{path}.{key}" if path else str(key))
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        changes = []
        for index, (a, b) in enumerate(zip(old, new, strict=False)):
            changes += diff(a, b, f"{path}[{index}]")
        return changes
    return [(path, None if old is _MISSING else old, None if new is _MISSING else new)]


_MISSING = object()


def reorder(config: dict, path_patterns: list[str]) -> dict:
    """A copy of ``config`` whose cache behaviors are evaluated in the order ``path_patterns`` gives.

    ``path_patterns`` must name every non-default behavior exactly once (the
    default always stays last); the behaviors themselves are untouched.
    """
    current = items(config.get("CacheBehaviors"))
    by_pattern = {b.get("PathPattern"): b for b in current}
    if sorted(path_patterns) != sorted(by_pattern) or len(path_patterns) != len(current):
        raise ConfigError(
            "InvalidArgument", "The new order must list every cache behavior except the default exactly once."
        )
    edited = clone(config)
    if current:
        edited["CacheBehaviors"]["Items"] = [clone(by_pattern[p]) for p in path_patterns]
    return edited


def set_origin_protocol(config: dict, origin_id: str, protocol_policy: str, minimum_ssl_protocol: str) -> dict:
    """A copy of ``config`` with one custom origin's protocol policy and minimum SSL protocol changed."""
    if protocol_policy not in ORIGIN_PROTOCOL_POLICIES:
        raise ConfigError("InvalidArgument", f"Unknown origin protocol policy {protocol_policy!r}.")
    if minimum_ssl_protocol not in ORIGIN_SSL_PROTOCOLS:
        raise ConfigError("InvalidArgument", f"Unknown minimum origin SSL protocol {minimum_ssl_protocol!r}.")
    edited = clone(config)
    origin = find_origin(edited, origin_id)
    if origin is None:
        raise ConfigError("NoSuchOrigin", f"No origin has the ID {origin_id!r}.")
    custom = origin.get("CustomOriginConfig")
    if not custom:
        raise ConfigError(
            "InvalidArgument", f"Origin {origin_id!r} is an S3 origin: it has no origin protocol policy to set."
        )
    custom["OriginProtocolPolicy"] = protocol_policy
    enabled = list(ORIGIN_SSL_PROTOCOLS[ORIGIN_SSL_PROTOCOLS.index(minimum_ssl_protocol) :])
    custom["OriginSslProtocols"] = {"Quantity": len(enabled), "Items": enabled}
    return edited


def minimum_ssl_protocol(origin: dict) -> str | None:
    """The weakest protocol a custom origin accepts, as the console's "Minimum origin SSL protocol"."""
    enabled = items((origin.get("CustomOriginConfig") or {}).get("OriginSslProtocols"))
    for protocol in ORIGIN_SSL_PROTOCOLS:
        if protocol in enabled:
            return protocol
    return None


def set_viewer_certificate(
    config: dict,
    alias_list: Iterable[str],
    certificate: str | None = None,
    kind: str = "acm",
    ssl_support_method: str = "sni-only",
    minimum_protocol_version: str = "TLSv1.2_2021",
) -> dict:
    """A copy of ``config`` with new alternate domain names and viewer certificate.

    ``certificate`` None means CloudFront's default ``*.cloudfront.net``
    certificate; otherwise it is an ACM ARN (``kind="acm"``) or an IAM server
    certificate ID (``kind="iam"``).
    """
    alias_list = list(dict.fromkeys(a.strip().lower().rstrip(".") for a in alias_list if a.strip()))
    edited = clone(config)
    edited["Aliases"] = {"Quantity": len(alias_list), "Items": alias_list} if alias_list else {"Quantity": 0}
    if certificate is None:
        edited["ViewerCertificate"] = {
            "CloudFrontDefaultCertificate": True,
            "MinimumProtocolVersion": "TLSv1",
            "CertificateSource": "cloudfront",
        }
        return edited
    if ssl_support_method not in SSL_SUPPORT_METHODS:
        raise ConfigError("InvalidArgument", f"Unknown SSL support method {ssl_support_method!r}.")
    if minimum_protocol_version not in SECURITY_POLICIES:
        raise ConfigError("InvalidArgument", f"Unknown security policy {minimum_protocol_version!r}.")
    if kind not in ("acm", "iam"):
        raise ConfigError("InvalidArgument", f"Unknown certificate kind {kind!r}.")
    edited["ViewerCertificate"] = {
        "CloudFrontDefaultCertificate": False,
        "ACMCertificateArn" if kind == "acm" else "IAMCertificateId": certificate,
        "SSLSupportMethod": ssl_support_method,
        "MinimumProtocolVersion": minimum_protocol_version,
        "Certificate": certificate,
        "CertificateSource": kind,
    }
    return edited
