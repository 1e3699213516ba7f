"""What a viewer gets: the 301 / 307 / 403 / forward decision of a CloudFront edge.

The reference page (2016) said HTTP DELETE/OPTIONS/PATCH/POST/PUT under
Redirect HTTP to HTTPS get 403. A later revision of the same page
(Developer Guide, "Require HTTPS for communication between viewers and
CloudFront") says CloudFront answers them with 307 (Temporary Redirect) to the
HTTPS URL when the request is HTTP/1.1 or later, and 403 only below HTTP/1.1.
CloudFront behaves as the later revision says, so this table is today's:

| policy             | HTTPS  | HTTP GET/HEAD | HTTP/1.1+ DELETE/OPTIONS/PATCH/POST/PUT | HTTP/1.0 ones |
|--------------------|--------|---------------|-----------------------------------------|---------------|
| allow-all          | served | served        | served                                  | served        |
| redirect-to-https  | served | 301 to HTTPS  | 307 to HTTPS                            | 403           |
| https-only         | served | 403           | 403                                     | 403           |

"Served" still needs the method in the behavior's AllowedMethods (403 otherwise).
The HTTP version is an input: "1.0", "1.1", "2", "3" (or "HTTP/1.1"…), 1.1 by default.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import config as cfg
from . import patterns

REDIRECTABLE_METHODS = frozenset({"GET", "HEAD"})  # 301 (Moved Permanently)
METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE")
REDIRECT_STATUSES = frozenset({301, 307})
DEFAULT_HTTP_VERSION = "1.1"


def http_version_number(version: str | None) -> str:
    """``"HTTP/1.1"``, ``"1.1"``, ``"http/2"``, ``"2.0"`` … as ``"1.1"`` or ``"2"``; ValueError otherwise."""
    text = str(version or DEFAULT_HTTP_VERSION).strip().upper().removeprefix("HTTP/")
    text = {"2.0": "2", "3.0": "3"}.get(text, text)
    if text not in ("0.9", "1.0", "1.1", "2", "3"):
        raise ValueError(f"{version!r} is not an HTTP version (use 1.0, 1.1, 2 or 3)")
    return text


def below_http_1_1(version: str | None) -> bool:
    """True for HTTP/1.0 and HTTP/0.9: viewers CloudFront cannot send a 307 to (they get 403)."""
    return http_version_number(version) in ("0.9", "1.0")


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
    http_version: str = DEFAULT_HTTP_VERSION

    @property
    def outcome(self) -> str:
        """redirect (301 or 307), forbidden (403) or served."""
        if self.status in REDIRECT_STATUSES:
            return "redirect"
        if self.status == 403:
            return "forbidden"
        return "served"

    def as_dict(self) -> dict:
        """The decision as JSON: what ``edge_request`` prints."""
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
            "http_version": self.http_version,
        }


def match(config: dict, path: str) -> tuple:
    """The behavior that serves ``path`` (first match in order, default last) and the patterns tried."""
    path = path.split("?", 1)[0].split("#", 1)[0] or "/"
    tried = []
    for behavior in cfg.behaviors(config):
        tried.append(behavior.path_pattern)
        if behavior.is_default or patterns.matches(behavior.path_pattern, path):
            return behavior, tried
    raise AssertionError("the default behavior always matches")  # pragma: no cover


def https_url(host: str, path: str, query: str = "", https_port: int | None = None) -> str:
    """The redirect target: same host, path and query, over HTTPS."""
    netloc = host if https_port in (None, 443) else f"{host}:{https_port}"
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")


def apply_policy(
    policy: str | None,
    allowed: frozenset | set | tuple,
    method: str,
    scheme: str,
    http_version: str = DEFAULT_HTTP_VERSION,
) -> tuple[int, str]:
    """Today's table for one behavior: (status, why); ``why`` names the rule that applied.

    ``method`` upper case, ``scheme`` lower case; ``http_version`` as ``http_version_number`` reads it.
    """
    if scheme == "http" and policy == "redirect-to-https":
        if method in REDIRECTABLE_METHODS:
            return 301, "redirect"
        return (403, "not-redirected") if below_http_1_1(http_version) else (307, "temporary-redirect")
    if scheme == "http" and policy == "https-only":
        return 403, "https-only"
    if method not in allowed:
        return 403, "method"
    return 200, "served"


def _reason(why, policy, method, scheme, allowed_methods, target_origin_id, http_version=DEFAULT_HTTP_VERSION):
    label = cfg.POLICY_LABELS.get(policy, policy)
    version = http_version_number(http_version)
    if why == "redirect":
        return f"{label}: HTTP {method} is redirected to the HTTPS URL (301 Moved Permanently)."
    if why == "temporary-redirect":
        return (
            f"{label}: HTTP/{version} {method} is redirected to the HTTPS URL with 307 (Temporary Redirect), "
            "which keeps the method and body; the request has already crossed the network unencrypted."
        )
    if why == "not-redirected":
        return (
            f"{label}: HTTP/{version} {method} gets 403 Forbidden; CloudFront redirects {method} (307) only for "
            "HTTP/1.1 and later."
        )
    if why == "https-only":
        return f"{label}: HTTP requests get 403 Forbidden and not the object."
    if why == "method":
        allowed = ", ".join(allowed_methods)
        return f"{method} is not in this behavior's allowed methods ({allowed}): 403 Forbidden."
    return f"{label}: {scheme.upper()} {method} is served from origin {target_origin_id!r}."


def _decision(behavior, tried, request, host, path, query, https_port):
    method, scheme, version = request
    policy = behavior.viewer_protocol_policy
    allowed = behavior.allowed_methods
    status, why = apply_policy(policy, allowed, method, scheme, version)
    return Decision(
        status=status,
        location=https_url(host, path, query, https_port) if status in REDIRECT_STATUSES else None,
        path_pattern=behavior.path_pattern,
        precedence=behavior.precedence,
        target_origin_id=behavior.target_origin_id,
        viewer_protocol_policy=policy,
        reason=_reason(why, policy, method, scheme, allowed, behavior.target_origin_id, version),
        tried=tried,
        http_version=version,
    )


def decide(
    config: dict,
    method: str,
    scheme: str,
    host: str,
    path: str,
    query: str = "",
    https_port: int | None = None,
    http_version: str = DEFAULT_HTTP_VERSION,
) -> Decision:
    """The edge's answer to ``METHOD scheme://host/path?query`` over ``http_version`` under ``config``."""
    behavior, tried = match(config, path)
    request = (method.upper(), scheme.lower(), http_version_number(http_version))
    return _decision(behavior, tried, request, host, path, query, https_port)


_DECISION_FIELDS = (
    "status",
    "location",
    "path_pattern",
    "precedence",
    "target_origin_id",
    "viewer_protocol_policy",
    "reason",
    "tried",
    "http_version",
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

    def behavior_index(self, path: str) -> int:
        """Precedence of the behavior serving ``path`` (no query string, fragment or host)."""
        if self._fullmatch is None:
            return self._default
        if not path.startswith("/"):
            path = "/" + path
        found = self._fullmatch(path)
        return found.lastindex - 1 if found is not None else self._default

    def verdict(self, method: str, scheme: str, path: str, http_version: str = DEFAULT_HTTP_VERSION) -> tuple:
        """(status, behavior index) for an upper-case method, lower-case scheme and a bare path:
        the edge's hot path, without building a Decision."""
        index = self.behavior_index(path)
        policy, allowed = self.rules[index]
        return apply_policy(policy, allowed, method, scheme, http_version)[0], index

    def match(self, path: str) -> tuple:
        """Like the module-level ``match``: the behavior and the patterns tried, winner last."""
        path = path.split("?", 1)[0].split("#", 1)[0] or "/"
        index = self.behavior_index(path)
        return self.behaviors[index], self._patterns[: index + 1]

    def decide(
        self,
        method: str,
        scheme: str,
        host: str,
        path: str,
        query: str = "",
        https_port: int | None = None,
        http_version: str = DEFAULT_HTTP_VERSION,
    ) -> Decision:
        """Exactly what the module-level ``decide`` returns for the same request."""
        method, scheme, version = method.upper(), scheme.lower(), http_version_number(http_version)
        index = self.behavior_index(path.split("?", 1)[0].split("#", 1)[0] or "/")
        policy, allowed = self.rules[index]
        status, why = apply_policy(policy, allowed, method, scheme, version)
        behavior = self.behaviors[index]
        key = (index, why, method, scheme, version)
        reason = self._reasons.get(key)
        if reason is None:
            reason = self._reasons[key] = _reason(
                why, policy, method, scheme, behavior.allowed_methods, behavior.target_origin_id, version
            )
        return _fast_decision(
            status,
            https_url(host, path, query, https_port) if status in REDIRECT_STATUSES else None,
            behavior.path_pattern,
            index,
            behavior.target_origin_id,
            policy,
            reason,
            self._patterns[: index + 1],
            version,
        )


def decide_url(
    config: dict, method: str, url: str, https_port: int | None = None, http_version: str = DEFAULT_HTTP_VERSION
) -> Decision:
    """``decide`` for a full URL such as ``http://d111111abcdef8.cloudfront.net/images/a.jpg?x=1``."""
    parts = urlsplit(url)
    return decide(
        config,
        method,
        parts.scheme or "http",
        parts.hostname or "",
        parts.path or "/",
        parts.query,
        https_port,
        http_version,
    )
