"""The console's words for the API's: values, fields and whole diffs.

A user thinks "Behavior /assets/* — Viewer Protocol Policy: HTTP and HTTPS → Redirect
HTTP to HTTPS", not ``CacheBehaviors.Items[3].ViewerProtocolPolicy: allow-all →
redirect-to-https``. Pages show the first; the API path and values stay in a tooltip,
History's details and the exports, where a user copies them. No Django here: plain
functions over the DistributionConfig dict.
"""

import json
import re
from dataclasses import dataclass

from .cloudfront import config as cfg
from .cloudfront.patterns import DEFAULT_PATTERN

# The CloudFront console's labels for the API's values.
VALUE_LABELS = {
    "allow-all": "HTTP and HTTPS",
    "redirect-to-https": "Redirect HTTP to HTTPS",
    "https-only": "HTTPS Only",
    "match-viewer": "Match viewer",
    "http-only": "HTTP only",
    "sni-only": "SNI only (recommended)",
    "vip": "Legacy clients support (dedicated IP)",
    "static-ip": "Static IP",
    "InProgress": "In Progress",
    "PriceClass_All": "Use all edge locations (best performance)",
    "PriceClass_200": "Use North America, Europe, Asia, Middle East, and Africa",
    "PriceClass_100": "Use only North America and Europe",
    "http1.1": "HTTP/1.1",
    "http2": "HTTP/2",
    "http3": "HTTP/3",
    "http2and3": "HTTP/2 and HTTP/3",
}

# The console's field labels, by the field's path inside its behavior, origin or config
# (list containers' "Items" left out). Fields not named here are spelled out from their API name.
BEHAVIOR_FIELDS = {
    "ViewerProtocolPolicy": "Viewer Protocol Policy",
    "PathPattern": "Path pattern",
    "TargetOriginId": "Origin or origin group",
    "AllowedMethods": "Allowed HTTP methods",
    "AllowedMethods.CachedMethods": "Cached HTTP methods",
    "Compress": "Compress objects automatically",
    "CachePolicyId": "Cache policy",
    "OriginRequestPolicyId": "Origin request policy",
    "ResponseHeadersPolicyId": "Response headers policy",
    "RealtimeLogConfigArn": "Real-time logs",
    "FieldLevelEncryptionId": "Field-level encryption",
    "FunctionAssociations": "CloudFront Functions",
    "LambdaFunctionAssociations": "Lambda@Edge functions",
    "TrustedKeyGroups": "Trusted key groups",
    "TrustedSigners": "Trusted signers",
    "MinTTL": "Minimum TTL",
    "DefaultTTL": "Default TTL",
    "MaxTTL": "Maximum TTL",
}
ORIGIN_FIELDS = {
    "DomainName": "Origin domain",
    "OriginPath": "Origin path",
    "CustomOriginConfig.OriginProtocolPolicy": "Protocol",
    "CustomOriginConfig.HTTPPort": "HTTP port",
    "CustomOriginConfig.HTTPSPort": "HTTPS port",
    "CustomOriginConfig.OriginSslProtocols": "Minimum origin SSL protocol",
    "CustomOriginConfig.OriginReadTimeout": "Response timeout",
    "CustomOriginConfig.OriginKeepaliveTimeout": "Keep-alive timeout",
    "ConnectionAttempts": "Connection attempts",
    "ConnectionTimeout": "Connection timeout",
    "OriginAccessControlId": "Origin access control",
    "S3OriginConfig.OriginAccessIdentity": "Origin access identity",
    "OriginShield.Enabled": "Origin Shield",
}
SETTINGS_FIELDS = {
    "Aliases": "Alternate domain names (CNAMEs)",
    "ViewerCertificate.ACMCertificateArn": "Custom SSL certificate",
    "ViewerCertificate.IAMCertificateId": "Custom SSL certificate",
    "ViewerCertificate.CloudFrontDefaultCertificate": "Default CloudFront certificate (*.cloudfront.net)",
    "ViewerCertificate.SSLSupportMethod": "Custom SSL client support",
    "ViewerCertificate.MinimumProtocolVersion": "Security policy",
    "Comment": "Description",
    "Enabled": "Distribution state",
    "DefaultRootObject": "Default root object",
    "HttpVersion": "Supported HTTP versions",
    "IsIPV6Enabled": "IPv6",
    "PriceClass": "Price class",
    "WebACLId": "AWS WAF web ACL",
    "Logging": "Standard logging",
    "Restrictions.GeoRestriction": "Geographic restrictions",
    "CustomErrorResponses": "Error pages",
    "OriginGroups": "Origin groups",
}
# Fields whose true / false the console words differently from Yes / No.
BOOLEAN_WORDS = {
    "Enabled": ("Enabled", "Disabled"),
    "IsIPV6Enabled": ("On", "Off"),
    "OriginShield.Enabled": ("On", "Off"),
}
NOTHING = "(none)"


@dataclass(frozen=True)
class Change:
    """One difference as the console says it; ``path``, ``api_before`` and ``api_after`` are the API's."""

    subject: str  # "Behavior /assets/*", "Default behavior (*)", "Origin my-bucket", "Settings"
    field: str  # "Viewer Protocol Policy"
    before: str  # "HTTP and HTTPS"
    after: str  # "Redirect HTTP to HTTPS"
    path: str  # "CacheBehaviors.Items[2].ViewerProtocolPolicy"
    api_before: object
    api_after: object

    def __iter__(self):
        """Unpacks as the (path, before, after) triple the exports and the audit trail keep."""
        return iter((self.path, self.api_before, self.api_after))


def value_label(value, field_path=""):
    """A config value in the console's words: a label, a list joined, (none) for absent."""
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, bool):
        yes, no = BOOLEAN_WORDS.get(field_path, ("Yes", "No"))
        return yes if value else no
    if isinstance(value, str):
        return VALUE_LABELS.get(value, value)
    if isinstance(value, list):
        return ", ".join(value_label(item) for item in value)
    if isinstance(value, dict):
        if set(value) <= {"Quantity", "Items"}:
            return value_label(value.get("Items") or [])
        return json.dumps(value, sort_keys=True, separators=(", ", ": "))
    return str(value)


def spelled_out(name):
    """An API name as words: ``OriginReadTimeout`` → "Origin read timeout", ``SSLSupportMethod`` → "SSL support method"."""
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+\d*|\d+", name)
    if not words:
        return name
    return " ".join([words[0]] + [w if w.isupper() and len(w) > 1 else w.lower() for w in words[1:]])


def field_label(field_path, labels):
    """The console's label of ``field_path`` (dotted, without Items/Quantity) in one of the tables above."""
    key = field_path
    while key:
        if key in labels:
            rest = field_path[len(key) :].strip(".")
            return labels[key] + (": " + ": ".join(spelled_out(p) for p in rest.split(".")) if rest else "")
        key = key.rpartition(".")[0]
    return ": ".join(spelled_out(part) for part in field_path.split("."))


def _leaf_changes(before, after, base_path):
    """cfg.diff of two dicts, with each list container ({Quantity, Items}) compared as one value."""
    changes = []
    for path, old, new in cfg.diff(before or {}, after or {}):
        parts = re.sub(r"\[\d+\]", "", path).split(".")
        # A container's Quantity follows its Items: say the list changed, once.
        cut = next((i for i, part in enumerate(parts) if part in ("Items", "Quantity")), None)
        if cut:
            container = ".".join(parts[:cut])
            changes.append((container, _get(before, container), _get(after, container)))
        else:
            changes.append((".".join(parts), old, new))
    seen, unique = set(), []
    for field_path, old, new in changes:
        if field_path not in seen:
            seen.add(field_path)
            unique.append((field_path, old, new, f"{base_path}.{field_path}" if base_path else field_path))
    return unique


def _get(data, dotted):
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _rows(subject, before, after, labels, base_path):
    return [
        Change(subject, field_label(f, labels), value_label(old, f), value_label(new, f), path, old, new)
        for f, old, new, path in _leaf_changes(before, after, base_path)
    ]


def behavior_subject(path_pattern):
    return "Default behavior (*)" if path_pattern == DEFAULT_PATTERN else f"Behavior {path_pattern}"


def _behavior_changes(before, after):
    """Behaviors matched by path pattern (their identity), so a reorder reads as precedences, not as swapped fields."""
    old = {b.path_pattern: b for b in cfg.behaviors(before)}
    new = {b.path_pattern: b for b in cfg.behaviors(after)}
    rows = []
    for pattern in list(new) + [p for p in old if p not in new]:
        was, now = old.get(pattern), new.get(pattern)
        subject = behavior_subject(pattern)
        path = (
            "DefaultCacheBehavior" if pattern == DEFAULT_PATTERN else f"CacheBehaviors.Items[{(now or was).precedence}]"
        )
        if was is None or now is None:
            rows.append(Change(subject, "Cache behavior", "(absent)" if was is None else "present",
                               "present" if now is not None else "(deleted)", path,
                               was and was.data, now and now.data))  # fmt: skip
            continue
        if was.precedence != now.precedence and pattern != DEFAULT_PATTERN:
            rows.append(Change(subject, "Precedence", str(was.precedence), str(now.precedence), path,
                               was.precedence, now.precedence))  # fmt: skip
        rows += _rows(subject, was.data, now.data, BEHAVIOR_FIELDS, path)
    return rows


def _origin_changes(before, after):
    old = {o.get("Id"): (i, o) for i, o in enumerate(cfg.origins(before))}
    new = {o.get("Id"): (i, o) for i, o in enumerate(cfg.origins(after))}
    rows = []
    for origin_id in list(new) + [i for i in old if i not in new]:
        was, now = old.get(origin_id, (None, None))[1], new.get(origin_id, (None, None))[1]
        path = f"Origins.Items[{new.get(origin_id, old.get(origin_id))[0]}]"
        subject = f"Origin {origin_id}"
        if was is None or now is None:
            rows.append(Change(subject, "Origin", "(absent)" if was is None else "present",
                               "present" if now is not None else "(deleted)", path, was, now))  # fmt: skip
        else:
            rows += _rows(subject, was, now, ORIGIN_FIELDS, path)
    return rows


def describe_changes(before, after):
    """What changes from config ``before`` to ``after``, in the console's words: a list of Change.

    Behaviors are told apart by path pattern and origins by ID, as CloudFront does, so
    moving a behavior reads "Precedence: 2 → 1", not as every field of two behaviors swapped.
    """
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    rest = ("CacheBehaviors", "DefaultCacheBehavior", "Origins")
    settings_before = {k: v for k, v in before.items() if k not in rest}
    settings_after = {k: v for k, v in after.items() if k not in rest}
    return (
        _behavior_changes(before, after)
        + _origin_changes(before, after)
        + _rows("Settings", settings_before, settings_after, SETTINGS_FIELDS, "")
    )


def describe_recorded(changes, config=None):
    """Recorded ``(path, before, after)`` triples in the console's words, when the configs were not kept.

    ``config`` (either side, when known) names the behavior or origin an ``Items[n]`` points at.
    """
    rows = []
    for path, old, new in changes or []:
        subject, labels, inner, base = "Settings", SETTINGS_FIELDS, path, ""
        found = re.match(r"(CacheBehaviors|Origins)\.Items\[(\d+)\]\.?(.*)$", path)
        if path.startswith("DefaultCacheBehavior"):
            subject, labels, base = behavior_subject(DEFAULT_PATTERN), BEHAVIOR_FIELDS, "DefaultCacheBehavior"
            inner = path[len(base) :].lstrip(".")
        elif found:
            kind, index, inner = found.group(1), int(found.group(2)), found.group(3)
            base = f"{kind}.Items[{index}]"
            labels = BEHAVIOR_FIELDS if kind == "CacheBehaviors" else ORIGIN_FIELDS
            items = cfg.items((config or {}).get(kind))
            item = items[index] if index < len(items) else {}
            if kind == "CacheBehaviors":
                subject = behavior_subject(item["PathPattern"]) if "PathPattern" in item else f"Cache behavior {index}"
            else:
                subject = f"Origin {item['Id']}" if "Id" in item else f"Origin {index + 1}"
        field = re.sub(r"\[\d+\]", "", inner).replace(".Items", "").replace(".Quantity", "")
        field = field.removesuffix(".Items").removesuffix(".Quantity")
        label = field_label(field, labels) if field else subject
        rows.append(Change(subject, label, value_label(old, field), value_label(new, field), path, old, new))
    return rows
