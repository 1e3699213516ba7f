"""What every viewer request goes through at the sandbox edge: a pure ASGI application.

Outside Django's request cycle: the request path reads the in-memory ``Snapshot``
of deployed configs (``index.py``), decides with the precompiled
``viewer.CompiledConfig``, answers like CloudFront (``responses.py``), serves
objects from the protocol-agnostic cache (``cache.py``) or the origin
(``origin.py``), and counts usage in memory (``usage.py``). No database query,
no database write. ``runner.py`` serves it with uvicorn.
"""

import time

from . import responses, usage
from .cache import CachedObject, EdgeCache, ttl_for
from .origin import OriginClient

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS_LINE = {200: 17, 301: 30, 307: 31, 403: 24, 502: 26, 504: 30}
# HTTP/1.1+ writes under Redirect HTTP to HTTPS get 307 (cloudfront/viewer.py): the 301's page, retitled.
_REDIRECT_BODIES = {
    301: responses.REDIRECT_BODY,
    307: responses.REDIRECT_BODY.replace(b"301 Moved Permanently", b"307 Temporary Redirect"),
}


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

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        host = b""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
                break
        distribution, hostname = self.index.snapshot.lookup(host)
        if distribution is None or not distribution.enabled:
            await self._error(send, scope, None, 403, responses.BAD_REQUEST)
            return
        method = scope["method"]
        raw_path = scope["raw_path"]
        status, index = distribution.route(method, scope["scheme"], raw_path, scope.get("http_version", "1.1"))
        if status == 301 or status == 307:
            # The hot path of a training sandbox that requires HTTPS: keep it lean.
            query = scope["query_string"]
            location = b"https://" + hostname + self.https_suffix + raw_path + (b"?" + query if query else b"")
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
        await self._serve(scope, receive, send, distribution, index)

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

    async def _serve(self, scope, receive, send, distribution, index):
        behavior = distribution.behaviors[index]
        method = scope["method"]
        scheme = scope["scheme"]
        raw_path = scope["raw_path"]
        query = scope["query_string"]
        path = raw_path.decode("latin-1")
        rule = behavior.cache
        cacheable = rule.caches and method in behavior.cached_methods and method in ("GET", "HEAD")
        key = (distribution.id, path, query.decode("latin-1") if rule.query_in_key else "")
        entry = self.cache.get(key) if cacheable else None
        request_id = responses.request_id()
        if entry is not None:
            age = str(int(time.time() - entry.stored_at)).encode()
            await self._object(
                send,
                scope,
                distribution,
                entry.status,
                entry.headers,
                entry.body,
                responses.X_CACHE_HIT,
                request_id,
                hit=True,
                age=age,
            )
            return
        body = b""
        if method in _BODY_METHODS:
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
        client = scope.get("client") or ("", 0)
        # A HEAD that misses fetches the object, as for a GET: the cache keeps it and the viewer
        # gets its real Content-Length.
        origin_method = "GET" if cacheable and method == "HEAD" else method
        answer = await self.origins.fetch(
            distribution,
            behavior.origin,
            origin_method,
            scheme,
            raw_path,
            query,
            scope["headers"],
            body,
            request_id,
            client[0] or "",
        )
        if answer.error == "unreachable":
            await self._error(send, scope, distribution, 502, responses.ORIGIN_UNREACHABLE)
            return
        if answer.error == "timeout":
            await self._error(send, scope, distribution, 504, responses.ORIGIN_TIMEOUT)
            return
        if cacheable and origin_method == "GET" and answer.status == 200:
            cache_control = next(
                (v.decode("latin-1") for k, v in answer.headers if k.lower() == b"cache-control"), None
            )
            ttl = ttl_for(rule, cache_control)
            if ttl > 0:
                self.cache.put(
                    key,
                    CachedObject(
                        answer.status,
                        answer.headers,
                        answer.body,
                        time.time(),
                        time.monotonic() + ttl,
                        answer.fetched_over,
                    ),
                )
        x_cache = responses.X_CACHE_ERROR if answer.status >= 400 else responses.X_CACHE_MISS
        await self._object(
            send,
            scope,
            distribution,
            answer.status,
            answer.headers,
            answer.body,
            x_cache,
            request_id,
            hit=False if cacheable else None,
        )

    async def _object(
        self, send, scope, distribution, status, origin_headers, body, x_cache, request_id, hit, age=None
    ):
        headers = [
            *origin_headers,
            (b"server", responses.SERVER),
            (b"content-length", str(len(body)).encode()),
            (b"x-cache", x_cache),
            (b"via", self.via),
            (b"x-amz-cf-pop", responses.POP),
            (b"x-amz-cf-id", request_id),
        ]
        if age is not None:
            headers.append((b"age", age))
        head = scope["method"] == "HEAD"
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})
        nbytes = responses.header_bytes(_STATUS_LINE.get(status, 30), headers) + (0 if head else len(body))
        self.meter.record(distribution.id, scope["scheme"] == "https", status, nbytes, hit)
