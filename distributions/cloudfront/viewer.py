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


def decide(config, method, scheme, host, path, query="", https_port=None):
    """The edge's answer to ``METHOD scheme://host/path?query`` under ``config``."""
    method = method.upper()
    scheme = scheme.lower()
    behavior, tried = match(config, path)
    policy = behavior.viewer_protocol_policy
    label = cfg.POLICY_LABELS.get(policy, policy)

    def result(status, reason, location=None):
        return Decision(
            status=status,
            location=location,
            path_pattern=behavior.path_pattern,
            precedence=behavior.precedence,
            target_origin_id=behavior.target_origin_id,
            viewer_protocol_policy=policy,
            reason=reason,
            tried=tried,
        )

    if scheme == "http" and policy == "redirect-to-https":
        if method in REDIRECTABLE_METHODS:
            return result(
                301,
                f"{label}: HTTP {method} is redirected to the HTTPS URL (301 Moved Permanently).",
                https_url(host, path, query, https_port),
            )
        return result(403, f"{label}: CloudFront does not redirect HTTP {method}; it answers 403 Forbidden.")
    if scheme == "http" and policy == "https-only":
        return result(403, f"{label}: HTTP requests get 403 Forbidden and not the object.")
    if method not in behavior.allowed_methods:
        allowed = ", ".join(behavior.allowed_methods)
        return result(403, f"{method} is not in this behavior's allowed methods ({allowed}): 403 Forbidden.")
    return result(
        200, f"{label}: {scheme.upper()} {method} is served from origin {behavior.target_origin_id!r}."
    )


def decide_url(config, method, url, https_port=None):
    """``decide`` for a full URL such as ``http://d111111abcdef8.cloudfront.net/images/a.jpg?x=1``."""
    parts = urlsplit(url)
    return decide(config, method, parts.scheme or "http", parts.hostname or "", parts.path or "/", parts.query, https_port)

