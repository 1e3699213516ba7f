"""The sandbox edge's cache: keyed without the protocol, as CloudFront's is.

The reference page's note: "CloudFront will return an object to a viewer
regardless of whether the protocol used by the viewer (HTTP or HTTPS) matches the
protocol that CloudFront used to get the object." So an object fetched over HTTP
is served to HTTPS viewers until it expires or is invalidated.

How long an object stays: the cache policy's TTLs (the managed policies below,
or the legacy MinTTL/DefaultTTL/MaxTTL), bounded as CloudFront bounds the
origin's Cache-Control. A custom cache policy is not readable in the sandbox:
its behaviors keep objects ``DEFAULT_TTL`` seconds. Pure Python, no Django.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass

DEFAULT_TTL = 60
MAX_ENTRIES = 10_000
MAX_OBJECT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class CacheRule:
    name: str
    min_ttl: int
    default_ttl: int
    max_ttl: int
    query_in_key: bool

    @property
    def caches(self):
        return self.max_ttl > 0


# AWS managed cache policies (IDs, TTLs and whether query strings are in the cache key).
MANAGED_CACHE_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": CacheRule("CachingOptimized", 1, 86400, 31536000, False),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": CacheRule("CachingDisabled", 0, 0, 0, False),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": CacheRule(
        "CachingOptimizedForUncompressedObjects", 1, 86400, 31536000, False
    ),
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": CacheRule("UseOriginCacheControlHeaders", 0, 0, 31536000, False),
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": CacheRule(
        "UseOriginCacheControlHeaders-QueryStrings", 0, 0, 31536000, True
    ),
    "2e54312d-136d-493c-8eb9-b001f22f67d2": CacheRule("Amplify", 2, 2, 600, True),
}


def cache_rule(behavior):
    """The CacheRule of a cache behavior dict (CachePolicyId, or legacy ForwardedValues + TTLs)."""
    policy_id = behavior.get("CachePolicyId")
    if policy_id:
        return MANAGED_CACHE_POLICIES.get(
            policy_id, CacheRule(f"cache policy {policy_id} (sandbox default TTL)", 0, DEFAULT_TTL, DEFAULT_TTL, True)
        )
    forwarded = behavior.get("ForwardedValues")
    if forwarded is not None:
        return CacheRule(
            "legacy cache settings",
            int(behavior.get("MinTTL", 0)),
            int(behavior.get("DefaultTTL", 86400)),
            int(behavior.get("MaxTTL", 31536000)),
            bool(forwarded.get("QueryString")),
        )
    return CacheRule("sandbox default", 0, DEFAULT_TTL, DEFAULT_TTL, True)


def ttl_for(rule, cache_control):
    """Seconds to keep an object under ``rule`` given the origin's Cache-Control value (or None)."""
    if not rule.caches:
        return 0
    directives = {}
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"')
    for name in ("s-maxage", "max-age"):
        if name in directives:
            try:
                seconds = int(directives[name])
            except ValueError:
                break
            return max(rule.min_ttl, min(seconds, rule.max_ttl))
    if {"no-store", "no-cache", "private"} & directives.keys():
        return rule.min_ttl
    return max(rule.min_ttl, min(rule.default_ttl, rule.max_ttl))


@dataclass
class CachedObject:
    status: int
    headers: list  # [(bytes, bytes)] from the origin, hop-by-hop headers removed
    body: bytes
    stored_at: float  # time.time()
    expires_at: float  # time.monotonic()
    fetched_over: str  # "http" or "https": how the edge reached the origin


class EdgeCache:
    """A bounded LRU of objects keyed by (distribution ID, path, query or ""), never by protocol.

    Used from the edge's event-loop thread only.
    """

    def __init__(self, max_entries=MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries = OrderedDict()

    def __len__(self):
        return len(self._entries)

    def get(self, key):
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key, entry):
        if len(entry.body) > MAX_OBJECT_BYTES:
            return
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def invalidate(self, distribution_id, paths, before=None):
        """Drop the distribution's objects under ``paths`` ("/a.jpg", "/images/*", "/*") stored
        before the wall-clock time ``before`` (all of them when None); return how many went."""
        exact, prefixes = set(), []
        for path in paths:
            if path.endswith("*"):
                prefixes.append(path[:-1])
            else:
                exact.add(path)
        doomed = [
            key
            for key, entry in self._entries.items()
            if key[0] == distribution_id
            and (key[1] in exact or any(key[1].startswith(p) for p in prefixes))
            and (before is None or entry.stored_at <= before)
        ]
        for key in doomed:
            del self._entries[key]
        return len(doomed)

    def clear(self, distribution_id=None):
        if distribution_id is None:
            self._entries.clear()
        else:
            for key in [k for k in self._entries if k[0] == distribution_id]:
                del self._entries[key]
