"""What every viewer request goes through at the sandbox edge: a pure ASGI application.

Outside Django's request cycle: the request path reads the in-memory ``Snapshot``
of deployed configs (``index.py``), computes the request's one canonical path
(``cloudfront/uri.py``), decides on it with the precompiled ``viewer.CompiledConfig``,
answers like CloudFront (``responses.py``), serves objects from the protocol-agnostic
cache (``cache.py``) or the origin (``origin.py``), forwarding and keying what the
behavior's policies say (``forwarding.py``), and counts usage in memory
(``usage.py``). No database query, no database write. ``runner.py`` serves it with
uvicorn, behind the limits of ``protocol.py``.
"""

import asyncio
import time

from ...cloudfront.uri import canonical_path, canonical_query
from . import responses, usage
from .cache import CachedObject, EdgeCache, ttl_for
from .forwarding import cache_key, shareable
from .origin import OriginClient, ViewerRequest

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS_LINE = {200: 17, 301: 30, 307: 31, 400: 26, 403: 24, 408: 30, 413: 39, 502: 26, 504: 30}
# HTTP/1.1+ writes under Redirect HTTP to HTTPS get 307 (cloudfront/viewer.py): the 301's page, retitled.
_REDIRECT_BODIES = {
    301: responses.REDIRECT_BODY,
    307: responses.REDIRECT_BODY.replace(b"301 Moved Permanently", b"307 Temporary Redirect"),
}
_MEMO_LIMIT = 4096  # raw paths remembered with their canonical path
_MEMO_PATH_BYTES = 512  # longer paths are canonicalized and matched every time rather than remembered
_MAX_HOST_BYTES = 253 + 6  # a DNS name and a port
_BODY_REFUSALS = {400: responses.BAD_REQUEST, 408: responses.REQUEST_TIMEOUT, 413: responses.BODY_TOO_LARGE}
# AWS documents no limit on a request body; the sandbox reads bodies into memory, so it takes the
# safe rule: 413 past 16 MB, and 408 for a body that takes longer than 30 s to arrive.
MAX_BODY_BYTES = 16 * 1024 * 1024
BODY_TIMEOUT = 30.0  # seconds: a trickled body does not hold a connection


class EdgeApp:
    """The ASGI application every viewer request goes through."""

    def __init__(self, index, https_port=443, origins=None, cache=None, meter=None):
        self.index = index
        self.https_suffix = b"" if https_port in (None, 443) else b":%d" % https_port
        self.origins = origins or OriginClient()
        self.cache = cache if cache is not None else EdgeCache()
        self.meter = meter if meter is not None else usage.UsageMeter()
        self.via = responses.via_header()
        self.origins.via = self.via
        self._canonical = {}  # raw path -> canonical path (bytes)
        # Bytes a 301 puts on the wire besides its Location (X-Amz-Cf-Id has a fixed length).
        fixed = [
            (b"server", b"CloudFront"),
            (b"content-type", b"text/html"),
            (b"content-length", responses.REDIRECT_LENGTH),
            (b"location", b""),
            (b"x-cache", b"Redirect from cloudfront"),
            (b"via", self.via),
            (b"x-amz-cf-pop", responses.POP),
            (b"x-amz-cf-id", responses.request_id()),
        ]
        headers = responses.header_bytes(_STATUS_LINE[301], fixed)
        self._redirect_bytes = {False: headers + len(responses.REDIRECT_BODY), True: headers}

    def canonical(self, raw_path):
        """The canonical path (bytes) of a raw request path, or None when it is malformed (400)."""
        path = self._canonical.get(raw_path)
        if path is None:
            text = canonical_path(raw_path)
            if text is None:
                return None
            path = text.encode("ascii")
            if len(raw_path) <= _MEMO_PATH_BYTES:
                if len(self._canonical) >= _MEMO_LIMIT:
                    self._canonical.clear()
                self._canonical[raw_path] = path
        return path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        host = b""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
                break
        if len(host) > _MAX_HOST_BYTES:
            # No distribution has such a name; and the snapshot remembers every Host it looks up.
            await self._error(send, scope, None, 400, responses.BAD_REQUEST)
            return
        distribution, hostname = self.index.snapshot.lookup(host)
        if distribution is None or not distribution.enabled:
            await self._error(send, scope, None, 403, responses.BAD_REQUEST)
            return
        path = self._canonical.get(scope["raw_path"]) or self.canonical(scope["raw_path"])
        if path is None:
            await self._error(send, scope, distribution, 400, responses.BAD_REQUEST)
            return
        method = scope["method"]
        version = scope.get("http_version", "1.1")
        if len(path) <= _MEMO_PATH_BYTES:
            status, index = distribution.route(method, scope["scheme"], path, version)
        else:  # route() remembers 4,096 paths: a long one is decided, not remembered
            status, index = distribution.compiled.verdict(method, scope["scheme"], path.decode("ascii"), version)
        if status == 301 or status == 307:
            # The hot path of a training sandbox that requires HTTPS: keep it lean.
            query = scope["query_string"]  # printable ASCII: the parser refuses the rest
            location = b"https://" + hostname + self.https_suffix + path + (b"?" + query if query else b"")
            head = method == "HEAD"
            body = _REDIRECT_BODIES[status]
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"server", b"CloudFront"),
                        (b"content-type", b"text/html"),
                        (b"content-length", b"%d" % len(body)),
                        (b"location", location),
                        (b"x-cache", b"Redirect from cloudfront"),
                        (b"via", self.via),
                        (b"x-amz-cf-pop", responses.POP),
                        (b"x-amz-cf-id", responses.request_id()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"" if head else body})
            self.meter.record(distribution.id, False, status, self._redirect_bytes[head] + len(location))
            return
        if status == 403:
            policy = distribution.compiled.rules[index][0]
            forbidden_protocol = scope["scheme"] == "http" and policy != "allow-all"
            message = responses.BAD_REQUEST if forbidden_protocol else responses.METHOD_NOT_ALLOWED
            await self._error(send, scope, distribution, 403, message)
            return
        await self._serve(scope, receive, send, distribution, index, path.decode("ascii"))

    async def _error(self, send, scope, distribution, status, message):
        request_id = responses.request_id()
        body = responses.error_page(status, message, request_id)
        headers = [
            (b"server", responses.SERVER),
            (b"content-type", b"text/html"),
            (b"content-length", str(len(body)).encode()),
            (b"x-cache", responses.X_CACHE_ERROR),
            (b"via", self.via),
            (b"x-amz-cf-pop", responses.POP),
            (b"x-amz-cf-id", request_id),
        ]
        head = scope["method"] == "HEAD"
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})
        if distribution is not None:
            nbytes = responses.header_bytes(_STATUS_LINE.get(status, 30), headers) + (0 if head else len(body))
            self.meter.record(distribution.id, scope["scheme"] == "https", status, nbytes)

    async def _serve(self, scope, receive, send, distribution, index, path):
        behavior = distribution.behaviors[index]
        method = scope["method"]
        rule = behavior.cache
        forwarding = rule.forwarding
        query = canonical_query(scope["query_string"])
        cacheable = rule.caches and method in behavior.cached_methods and method in ("GET", "HEAD")
        key = (distribution.id, path, *cache_key(forwarding, scope["headers"], query)) if cacheable else None
        entry = self.cache.get(key) if cacheable else None
        request_id = responses.request_id()
        if entry is not None:
            age = str(int(time.time() - entry.stored_at)).encode()
            await self._object(send, scope, distribution, entry, responses.X_CACHE_HIT, request_id, hit=True, age=age)
            return
        body = b""
        if method in _BODY_METHODS:
            body = await self._read_body(receive)
            if not isinstance(body, bytes):
                await self._error(send, scope, distribution, body, _BODY_REFUSALS[body])
                return
        client = scope.get("client") or ("", 0)
        # A HEAD that misses fetches the object, as for a GET: the cache keeps it and the viewer
        # gets its real Content-Length.
        origin_method = "GET" if cacheable and method == "HEAD" else method
        request = ViewerRequest(
            origin_method, scope["scheme"], path, query, scope["headers"], body, request_id, client[0] or ""
        )
        answer = await self.origins.fetch(distribution, behavior.origin, request, forwarding)
        if answer.error == "unreachable":
            await self._error(send, scope, distribution, 502, responses.ORIGIN_UNREACHABLE)
            return
        if answer.error == "timeout":
            await self._error(send, scope, distribution, 504, responses.ORIGIN_TIMEOUT)
            return
        if cacheable and origin_method == "GET" and answer.status == 200:
            self._store(key, rule, scope["headers"], answer)
        x_cache = responses.X_CACHE_ERROR if answer.status >= 400 else responses.X_CACHE_MISS
        await self._object(send, scope, distribution, answer, x_cache, request_id, hit=False if cacheable else None)

    def _store(self, key, rule, viewer_headers, answer):
        """Keep the origin's answer for other viewers when the policies allow it and nothing this
        viewer sent outside the cache key shaped it (``forwarding.shareable``)."""
        if not shareable(rule.forwarding, viewer_headers, answer.headers):
            return
        cache_control = next((v.decode("latin-1") for k, v in answer.headers if k.lower() == b"cache-control"), None)
        ttl = ttl_for(rule, cache_control)
        if ttl > 0:
            stored = CachedObject(answer.status, answer.headers, answer.body, time.time(), time.monotonic() + ttl)
            self.cache.put(key, stored)

    async def _read_body(self, receive):
        """The request body, or the status to answer: 413 past ``MAX_BODY_BYTES``, 408 past
        ``BODY_TIMEOUT`` (the chunks are joined once: no quadratic concatenation)."""
        chunks, size = [], 0
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return 400  # never forward half a body; the viewer is gone anyway
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        return 413
                    chunks.append(chunk)
                    if not message.get("more_body"):
                        return b"".join(chunks)
        except TimeoutError:
            return 408

    async def _object(self, send, scope, distribution, answer, x_cache, request_id, hit, age=None):
        """Send an object (an OriginResponse or a CachedObject) with the edge's own headers."""
        headers = [
            *answer.headers,
            (b"server", responses.SERVER),
            (b"content-length", str(len(answer.body)).encode()),
            (b"x-cache", x_cache),
            (b"via", self.via),
            (b"x-amz-cf-pop", responses.POP),
            (b"x-amz-cf-id", request_id),
        ]
        if age is not None:
            headers.append((b"age", age))
        head = scope["method"] == "HEAD"
        status = answer.status
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else answer.body})
        nbytes = responses.header_bytes(_STATUS_LINE.get(status, 30), headers) + (0 if head else len(answer.body))
        self.meter.record(distribution.id, scope["scheme"] == "https", status, nbytes, hit)
