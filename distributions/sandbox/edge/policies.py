"""What a cache behavior puts in the cache key and sends to its origin.

A behavior names a cache policy (``CachePolicyId``) and maybe an origin request
policy (``OriginRequestPolicyId``), or has legacy ``ForwardedValues``. The managed
policies are read from the tables below (IDs and settings from the CloudFront
Developer Guide, "Use managed cache policies" and "Use managed origin request
policies"). What a policy names goes to the origin; what the *cache* policy names
is also part of the cache key ("The headers, cookies, and query strings that are
included in the cache key are also included in requests that CloudFront sends to
the origin": API reference, ``ParametersInCacheKeyAndForwardedToOrigin``).

``Authorization`` is forwarded only when the cache policy puts it in the cache key
or the origin request policy forwards all viewer headers (Developer Guide, "Add
custom headers to origin requests" > "Configure CloudFront to forward the
Authorization header"); legacy settings forward it when ``Headers`` lists it.

The sandbox cannot read custom policies (they live in the account, not in the
distribution's config): a custom cache policy keys and forwards the query string
only, a custom origin request policy forwards nothing more. Safe, if poorer.
Pure Python, no Django.
"""

from dataclasses import dataclass

from ...cloudfront.config import items


@dataclass(frozen=True)
class Selection:
    """Which headers, cookies or query strings a policy names: ``kind`` is ``none``,
    ``whitelist``, ``allExcept`` or ``all``. Header names are lower case."""

    kind: str = "none"
    names: frozenset = frozenset()

    def picks(self, name):
        """True when the selection includes ``name``."""
        if self.kind == "all":
            return True
        if self.kind == "whitelist":
            return name in self.names
        if self.kind == "allExcept":
            return name not in self.names
        return False


NONE = Selection()
ALL = Selection("all")


def named(*names, lower=False):
    """A whitelist of cookie or query string names (``lower``: header names, case-insensitive)."""
    return Selection("whitelist", frozenset(n.lower() if lower else n for n in names))


def headers(*names):
    """A whitelist of header names."""
    return named(*names, lower=True)


@dataclass(frozen=True)
class Forwarding:
    """The cache key (``key_*``) and what else goes to the origin (``origin_*``) for one behavior."""

    key_headers: Selection = NONE
    key_cookies: Selection = NONE
    key_query: Selection = NONE
    origin_headers: Selection = NONE
    origin_cookies: Selection = NONE
    origin_query: Selection = NONE

    @property
    def authorization(self):
        """True when the viewer's Authorization header goes to the origin."""
        return self.key_headers.picks("authorization") or self.origin_headers.kind == "all"

    def forwards_header(self, name):
        """True when the viewer's header ``name`` (lower case) goes to the origin."""
        return self.key_headers.picks(name) or self.origin_headers.picks(name)

    def forwards_cookie(self, name):
        """True when the viewer's cookie ``name`` goes to the origin."""
        return self.key_cookies.picks(name) or self.origin_cookies.picks(name)

    def forwards_query(self, name):
        """True when the query string parameter ``name`` goes to the origin."""
        return self.key_query.picks(name) or self.origin_query.picks(name)


@dataclass(frozen=True)
class CachePolicy:
    name: str
    min_ttl: int
    default_ttl: int
    max_ttl: int
    headers: Selection = NONE
    cookies: Selection = NONE
    query: Selection = NONE


@dataclass(frozen=True)
class OriginRequestPolicy:
    name: str
    headers: Selection = NONE
    cookies: Selection = NONE
    query: Selection = NONE


YEAR = 31536000
# The normalized Accept-Encoding some of them key on is left out: the sandbox edge never
# compresses and never forwards Accept-Encoding, so every viewer gets the identity encoding.
MANAGED_CACHE_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": CachePolicy("CachingOptimized", 1, 86400, YEAR),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": CachePolicy("CachingOptimizedForUncompressedObjects", 1, 86400, YEAR),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": CachePolicy("CachingDisabled", 0, 0, 0),
    "2e54312d-136d-493c-8eb9-b001f22f67d2": CachePolicy(
        "Amplify", 2, 2, 600, headers("Authorization", "CloudFront-Viewer-Country", "Host"), ALL, ALL
    ),
    "08627262-05a9-4f76-9ded-b50ca2e3a84f": CachePolicy(
        "Elemental-MediaPackage",
        0,
        86400,
        YEAR,
        headers("Origin"),
        NONE,
        named("aws.manifestfilter", "start", "end", "m"),
    ),
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": CachePolicy(
        "UseOriginCacheControlHeaders",
        0,
        0,
        YEAR,
        headers("Host", "Origin", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"),
        ALL,
    ),
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": CachePolicy(
        "UseOriginCacheControlHeaders-QueryStrings",
        0,
        0,
        YEAR,
        headers("Host", "Origin", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"),
        ALL,
        ALL,
    ),
}
_CORS = ("Origin", "Access-Control-Request-Headers", "Access-Control-Request-Method")
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": OriginRequestPolicy("AllViewer", ALL, ALL, ALL),
    # CloudFront-* headers the edge would add are not simulated: all viewer headers, as AllViewer.
    "33f36d7e-f396-46d9-90e0-52428a34d9dc": OriginRequestPolicy("AllViewerAndCloudFrontHeaders-2022-06", ALL, ALL, ALL),
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": OriginRequestPolicy(
        "AllViewerExceptHostHeader", Selection("allExcept", frozenset({"host"})), ALL, ALL
    ),
    "59781a5b-3903-41f3-afcb-af62929ccde1": OriginRequestPolicy("CORS-CustomOrigin", headers("Origin")),
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": OriginRequestPolicy("CORS-S3Origin", headers(*_CORS)),
    "775133bc-15f2-49f9-abea-afb2e0bf67d2": OriginRequestPolicy(
        "Elemental-MediaTailor-PersonalizedManifests", headers(*_CORS, "User-Agent", "X-Forwarded-For"), NONE, ALL
    ),
    "acba4595-bd28-49b8-b9fe-13317c0390fa": OriginRequestPolicy(
        "UserAgentRefererHeaders", headers("User-Agent", "Referer")
    ),
}
DEFAULT_TTL = 60  # seconds, for a custom cache policy the sandbox cannot read


def _legacy(behavior, forwarded):
    """(CachePolicy, Forwarding) of legacy cache settings: ForwardedValues + MinTTL/DefaultTTL/MaxTTL."""
    keys = items(forwarded.get("QueryStringCacheKeys"))
    if forwarded.get("QueryString"):
        key_query, origin_query = (named(*keys) if keys else ALL), ALL
    else:
        key_query = origin_query = NONE
    cookies = forwarded.get("Cookies") or {}
    mode = cookies.get("Forward", "none")
    cookie_names = items(cookies.get("WhitelistedNames"))
    key_cookies = ALL if mode == "all" else named(*cookie_names) if mode == "whitelist" else NONE
    header_names = items(forwarded.get("Headers"))
    key_headers = ALL if "*" in header_names else headers(*header_names) if header_names else NONE
    max_ttl = int(behavior.get("MaxTTL", YEAR))
    if key_headers.kind == "all":
        max_ttl = 0  # "If you forward all headers, CloudFront doesn't cache the objects"
    ttl = CachePolicy(
        "legacy cache settings", int(behavior.get("MinTTL", 0)), int(behavior.get("DefaultTTL", 86400)), max_ttl
    )
    return ttl, Forwarding(key_headers, key_cookies, key_query, origin_query=origin_query)


def behavior_policy(behavior):
    """(CachePolicy with the TTLs, Forwarding) for a cache behavior dict."""
    policy_id = behavior.get("CachePolicyId")
    if not policy_id and behavior.get("ForwardedValues") is not None:
        return _legacy(behavior, behavior["ForwardedValues"])
    if policy_id:
        cache = MANAGED_CACHE_POLICIES.get(policy_id) or CachePolicy(
            f"cache policy {policy_id} (sandbox default TTL)", 0, DEFAULT_TTL, DEFAULT_TTL, query=ALL
        )
    else:
        cache = CachePolicy("sandbox default", 0, DEFAULT_TTL, DEFAULT_TTL, query=ALL)
    origin = MANAGED_ORIGIN_REQUEST_POLICIES.get(behavior.get("OriginRequestPolicyId") or "") or OriginRequestPolicy("")
    return cache, Forwarding(cache.headers, cache.cookies, cache.query, origin.headers, origin.cookies, origin.query)
