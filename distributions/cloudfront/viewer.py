"""What a viewer gets: the 301 / 403 / forward decision of a CloudFront edge.

This is where the reference page's table lives:

| policy             | HTTPS  | HTTP GET/HEAD | HTTP DELETE/OPTIONS/PATCH/POST/PUT |
|--------------------|--------|---------------|------------------------------------|
| allow-all          | served | served        | served                             |
| redirect-to-https  | served | 301 to HTTPS  | 403                                |
| https-only         | served | 403           | 403                                |

"Served" still needs the method in the behavior's AllowedMethods (403 otherwise).
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import config as cfg
from . import patterns

REDIRECTABLE_METHODS = frozenset({"GET", "HEAD"})
METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE")


@dataclass(frozen=True)
class Decision:
    status: int  # 200 means "served": forwarded to the origin or answered from cache
    location: str | None
    path_pattern: str  # as written in the config; "*" for the default behavior
    precedence: int
    target_origin_id: str | None
    viewer_protocol_policy: str | None
    reason: str
    tried: list = field(default_factory=list)  # patterns tried in order, the winner last

    @property
    def outcome(self):
        if self.status == 301:
            return "redirect"
        if self.status == 403:
            return "forbidden"
        return "served"

    def as_dict(self):
        return {
            "status": self.status,
            "location": self.location,
            "path_pattern": self.path_pattern,
            "precedence": self.precedence,
            "target_origin_id": self.target_origin_id,
            "viewer_protocol_policy": self.viewer_protocol_policy,
            "outcome": self.outcome,
            "reason": self.reason,
            "patterns_tried": list(self.tried),
        }


def match(config, path):
    """The behavior that serves ``path`` (first match in order, default last) and the patterns tried."""
    path = path.split("?", 1)[0].split("#", 1)[0] or "/"
    tried = []
    for behavior in cfg.behaviors(config):
        tried.append(behavior.path_pattern)
        if behavior.is_default or patterns.matches(behavior.path_pattern, path):
            return behavior, tried
    raise AssertionError("the default behavior always matches")  # pragma: no cover


def https_url(host, path, query="", https_port=None):
    """The redirect target: same host, path and query, over HTTPS."""
    netloc = host if https_port in (None, 443) else f"{host}:{https_port}"
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")


def apply_policy(policy, allowed, method, scheme):
    """The reference table for one behavior: (status, why); ``why`` names the rule that applied."""
    if scheme == "http" and policy == "redirect-to-https":
        return (301, "redirect") if method in REDIRECTABLE_METHODS else (403, "not-redirected")
    if scheme == "http" and policy == "https-only":
        return 403, "https-only"
    if method not in allowed:
        return 403, "method"
    return 200, "served"


def _reason(why, policy, method, scheme, allowed_methods, target_origin_id):
    label = cfg.POLICY_LABELS.get(policy, policy)
    if why == "redirect":
        return f"{label}: HTTP {method} is redirected to the HTTPS URL (301 Moved Permanently)."
    if why == "not-redirected":
        return f"{label}: CloudFront does not redirect HTTP {method}; it answers 403 Forbidden."
    if why == "https-only":
        return f"{label}: HTTP requests get 403 Forbidden and not the object."
    if why == "method":
        allowed = ", ".join(allowed_methods)
        return f"{method} is not in this behavior's allowed methods ({allowed}): 403 Forbidden."
    return f"{label}: {scheme.upper()} {method} is served from origin {target_origin_id!r}."


def _decision(behavior, tried, method, scheme, host, path, query, https_port):
    policy = behavior.viewer_protocol_policy
    allowed = behavior.allowed_methods
    status, why = apply_policy(policy, allowed, method, scheme)
    return Decision(
        status=status,
        location=https_url(host, path, query, https_port) if status == 301 else None,
        path_pattern=behavior.path_pattern,
        precedence=behavior.precedence,
        target_origin_id=behavior.target_origin_id,
        viewer_protocol_policy=policy,
        reason=_reason(why, policy, method, scheme, allowed, behavior.target_origin_id),
        tried=tried,
    )


def decide(config, method, scheme, host, path, query="", https_port=None):
    """The edge's answer to ``METHOD scheme://host/path?query`` under ``config``."""
    behavior, tried = match(config, path)
    return _decision(behavior, tried, method.upper(), scheme.lower(), host, path, query, https_port)


_DECISION_FIELDS = (
    "status",
    "location",
    "path_pattern",
    "precedence",
    "target_origin_id",
    "viewer_protocol_policy",
    "reason",
    "tried",
)


def _fast_decision(*values):
    """A Decision built without the frozen dataclass's per-field ``__setattr__`` (several
    times faster; the edge builds one per traced request)."""
    decision = object.__new__(Decision)
    decision.__dict__.update(zip(_DECISION_FIELDS, values, strict=False))
    return decision


class CompiledConfig:
    """``decide`` for one config, precompiled: for callers that decide many requests
    against the same config (the edge server, benchmarks).

    The config is read once, at construction: build a new one after the config
    changes. ``decide`` returns exactly what the module-level ``decide`` returns.
    """

    def __init__(self, config):
        self.config = config
        self.behaviors = cfg.behaviors(config)
        self._regex = patterns.first_match(tuple(b.path_pattern for b in self.behaviors[:-1]))
        self._fullmatch = self._regex.fullmatch if self._regex is not None else None
        self._default = len(self.behaviors) - 1
        self._patterns = [b.path_pattern for b in self.behaviors]
        self.rules = [(b.viewer_protocol_policy, frozenset(b.allowed_methods)) for b in self.behaviors]
        self._reasons = {}  # (index, why, method, scheme) -> reason: a handful per behavior

    def behavior_index(self, path):
        """Precedence of the behavior serving ``path`` (no query string, fragment or host)."""
        if self._fullmatch is None:
            return self._default
        if not path.startswith("/"):
            path = "/" + path
        found = self._fullmatch(path)
        return found.lastindex - 1 if found is not None else self._default

    def verdict(self, method, scheme, path):
        """(status, behavior index) for an upper-case method, lower-case scheme and a bare path:
        the edge's hot path, without building a Decision."""
        index = self.behavior_index(path)
        policy, allowed = self.rules[index]
        return apply_policy(policy, allowed, method, scheme)[0], index

    def match(self, path):
        """Like the module-level ``match``: the behavior and the patterns tried, winner last."""
        path = path.split("?", 1)[0].split("#", 1)[0] or "/"
        index = self.behavior_index(path)
        return self.behaviors[index], self._patterns[: index + 1]

    def decide(self, method, scheme, host, path, query="", https_port=None):
        method, scheme = method.upper(), scheme.lower()
        index = self.behavior_index(path.split("?", 1)[0].split("#", 1)[0] or "/")
        policy, allowed = self.rules[index]
        status, why = apply_policy(policy, allowed, method, scheme)
        behavior = self.behaviors[index]
        key = (index, why, method, scheme)
        reason = self._reasons.get(key)
        if reason is None:
            reason = self._reasons[key] = _reason(
                why, policy, method, scheme, behavior.allowed_methods, behavior.target_origin_id
            )
        return _fast_decision(
            status,
            https_url(host, path, query, https_port) if status == 301 else None,
            behavior.path_pattern,
            index,
            behavior.target_origin_id,
            policy,
            reason,
            self._patterns[: index + 1],
        )


def decide_url(config, method, url, https_port=None):
    """``decide`` for a full URL such as ``http://d111111abcdef8.cloudfront.net/images/a.jpg?x=1``."""
    parts = urlsplit(url)
    return decide(
        config, method, parts.scheme or "http", parts.hostname or "", parts.path or "/", parts.query, https_port
    )
