"""The sandbox edge's cache: keyed without the protocol, as CloudFront's is.

The reference page's note: "CloudFront will return an object to a viewer
regardless of whether the protocol used by the viewer (HTTP or HTTPS) matches the
protocol that CloudFront used to get the object." So an object fetched over HTTP
is served to HTTPS viewers until it expires or is invalidated.

How long an object stays: the cache policy's TTLs (the managed policies below,
or the legacy MinTTL/DefaultTTL/MaxTTL), bounded as CloudFront bounds the
origin's Cache-Control. A custom cache policy is not readable in the sandbox:
its behaviors keep objects ``policies.DEFAULT_TTL`` seconds.

The cache is bounded in bytes (``MAX_BYTES``), least recently used first out, and
the runner calls ``evict_expired`` every second so that expired objects leave even
when nobody asks for them again. Pure Python, no Django.
"""

import heapq
import time
from collections import OrderedDict
from dataclasses import dataclass

from ...cloudfront.uri import canonical_path
from .policies import Forwarding, behavior_policy

MAX_ENTRIES = 10_000
MAX_BYTES = 64 * 1024 * 1024  # what the cache may hold, headers and bodies, per edge process
MAX_OBJECT_BYTES = 10 * 1024 * 1024
_ENTRY_OVERHEAD = 256  # bytes a cached object costs besides its key, headers and body (objects, dict slots)


@dataclass(frozen=True)
class CacheRule:
    name: str
    min_ttl: int
    default_ttl: int
    max_ttl: int
    query_in_key: bool
    forwarding: Forwarding = Forwarding()  # what is in the cache key and what goes to the origin

    @property
    def caches(self):
        return self.max_ttl > 0


def cache_rule(behavior):
    """The CacheRule of a cache behavior dict (CachePolicyId and OriginRequestPolicyId, or legacy
    ForwardedValues + TTLs): see ``policies``."""
    policy, forwarding = behavior_policy(behavior)
    return CacheRule(
        policy.name,
        policy.min_ttl,
        policy.default_ttl,
        policy.max_ttl,
        forwarding.key_query.kind != "none",
        forwarding,
    )


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


class EdgeCache:
    """A bounded LRU of objects keyed by (distribution ID, path, query or "", ...), never by protocol.

    Bounded twice: ``max_bytes`` (headers, bodies and keys) and ``max_entries``.
    Used from the edge's event-loop thread only.
    """

    def __init__(self, max_entries=MAX_ENTRIES, max_bytes=MAX_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries = OrderedDict()  # key -> (entry, size)
        self._expiries = []  # heap of (expires_at, sequence, key, entry); stale rows are skipped
        self._sequence = 0

    def __len__(self):
        return len(self._entries)

    def get(self, key):
        """The fresh object stored under ``key``, or None (an expired one is dropped)."""
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0].expires_at <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key, entry):
        """Store ``entry`` under ``key``, evicting the least recently used objects past the bounds."""
        size = _size(key, entry)
        if len(entry.body) > MAX_OBJECT_BYTES or size > self.max_bytes // 4:
            return  # one object never takes more than a quarter of the cache
        self._drop(key)
        self._entries[key] = (entry, size)
        self.bytes += size
        self._sequence += 1
        heapq.heappush(self._expiries, (entry.expires_at, self._sequence, key, entry))
        while self.bytes > self.max_bytes or len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))
        if len(self._expiries) > 2 * len(self._entries) + 64:
            # Rows of objects that left early (LRU, invalidation) would pile up: rebuild.
            self._expiries = [row for row in self._expiries if self._is_current(row)]
            heapq.heapify(self._expiries)

    def evict_expired(self, now=None):
        """Drop every object whose TTL has passed (the runner calls this every second); return how many."""
        now = time.monotonic() if now is None else now
        dropped = 0
        while self._expiries and self._expiries[0][0] <= now:
            row = heapq.heappop(self._expiries)
            if self._is_current(row):
                self._drop(row[2])
                dropped += 1
        return dropped

    def _is_current(self, row):
        found = self._entries.get(row[2])
        return found is not None and found[0] is row[3]

    def _drop(self, key):
        found = self._entries.pop(key, None)
        if found is not None:
            self.bytes -= found[1]

    def invalidate(self, distribution_id, paths, before=None):
        """Drop the distribution's objects under ``paths`` ("/a.jpg", "/images/*", "/*") stored
        before the wall-clock time ``before`` (all of them when None); return how many went."""
        exact, prefixes = set(), []
        for path in paths:
            # Objects are stored under their canonical path: "/a%2Fb" and "/a/./b" name "/a/b".
            if path.endswith("*"):
                prefixes.append(canonical_path(path[:-1]) or path[:-1])
            else:
                exact.add(canonical_path(path) or path)
        doomed = [
            key
            for key, (entry, _) in self._entries.items()
            if key[0] == distribution_id
            and (key[1] in exact or any(key[1].startswith(p) for p in prefixes))
            and (before is None or entry.stored_at <= before)
        ]
        for key in doomed:
            self._drop(key)
        return len(doomed)

    def clear(self, distribution_id=None):
        if distribution_id is None:
            self._entries.clear()
            self._expiries.clear()
            self.bytes = 0
        else:
            for key in [k for k in self._entries if k[0] == distribution_id]:
                self._drop(key)


def _size(key, entry):
    """Bytes an object holds in the cache: key, headers, body and a fixed overhead."""
    headers = sum(len(name) + len(value) + 64 for name, value in entry.headers)
    key_bytes = sum(len(part) if isinstance(part, str) else sum(map(len, part)) for part in key)
    return _ENTRY_OVERHEAD + key_bytes + headers + len(entry.body)
