"""Origins as the sandbox edge reaches them.

- Origins on this machine (DomainName ``localhost``, ``127.0.0.1``, ``::1`` or a host
  named with ``runedge --origin-host``) get real requests, over the protocol the
  origin protocol policy picks. Their standard ports are mapped to the local origin
  ``runedge`` starts: HTTPPort 80 to ``--origin-port``, HTTPSPort 443 to
  ``--origin-https-port``; any other port is used as written.
- Any other origin answers with a synthetic object naming the origin and the
  protocol that would have fetched it, without network traffic.

``local_origin_app`` is that tiny local origin: a few static files, and an echo of
the request (method, path, protocol, headers) for every other path.
"""

import json
import time
from dataclasses import dataclass

import httpx

from ...cloudfront.uri import canonical_path
from .forwarding import HOP_BY_HOP, origin_headers, origin_query
from .tls import client_context

# Response headers the edge never passes on from the origin: hop-by-hop, and those it sets itself.
EDGE_HEADERS = HOP_BY_HOP | frozenset(
    {
        b"content-length",
        b"host",
        b"server",
        b"date",
        b"via",
        b"x-cache",
        b"x-amz-cf-id",
        b"x-amz-cf-pop",
        b"age",
    }
)


@dataclass
class ViewerRequest:
    """What the edge forwards of a viewer's request, the path already canonical."""

    method: str
    scheme: str  # the viewer's: "http" or "https"
    path: str  # canonical (``cloudfront.uri.canonical_path``)
    query: str  # canonical (``cloudfront.uri.canonical_query``), before the policies pick from it
    headers: list  # [(bytes, bytes)] as the viewer sent them
    body: bytes
    request_id: bytes
    client_ip: str


@dataclass
class OriginResponse:
    status: int
    headers: list  # [(bytes, bytes)] without hop-by-hop and edge-owned headers
    body: bytes
    error: str | None = None  # "unreachable" or "timeout" when the edge could not get an answer


class OriginClient:
    """Fetches objects for the edge: forwarded to local origins, synthetic for the rest."""

    def __init__(self, local_http_port=None, local_https_port=None, via=b""):
        self.local_http_port = local_http_port
        self.local_https_port = local_https_port
        self.via = via
        self._client = None

    def _http(self):
        if self._client is None:
            self._client = httpx.AsyncClient(verify=client_context(), follow_redirects=False, trust_env=False)
        return self._client

    async def aclose(self):
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def port_for(self, origin, scheme):
        if scheme == "https":
            return self.local_https_port if origin.https_port == 443 and self.local_https_port else origin.https_port
        return self.local_http_port if origin.http_port == 80 and self.local_http_port else origin.http_port

    def url_for(self, origin, scheme, path, query):
        """The origin request's URL, built from its parts: the configured origin's scheme, host and
        port, its origin path, then the canonical path and query. Nothing the viewer sent can change
        the host or the port (issue #12: ``GET *@127.0.0.1:8620/healthz`` reached another server)."""
        target = (canonical_path(origin.origin_path) or "").rstrip("/") + path + ("?" + query if query else "")
        return httpx.URL(
            scheme=scheme,
            host=origin.domain_name.strip("[]"),
            port=self.port_for(origin, scheme),
            raw_path=target.encode("ascii"),
        )

    async def fetch(self, distribution, origin, request, forwarding):
        """The origin's answer to ``request`` (a ViewerRequest) under the behavior's ``forwarding``."""
        scheme = origin.scheme_for(request.scheme) if origin is not None else request.scheme
        query = origin_query(forwarding, request.query)
        if origin is None or not origin.is_local:
            return synthetic(distribution, origin, request, query, scheme)
        context = {
            "origin_host": origin.domain_name.encode(),  # the origin's domain name, as CloudFront sends it
            "client_ip": request.client_ip.encode(),
            "via": self.via,
            "request_id": request.request_id,
            "viewer_scheme": request.scheme.encode(),
            "body": bool(request.body),
        }
        headers = origin_headers(forwarding, request.headers, context)
        timeout = httpx.Timeout(origin.read_timeout, connect=origin.connect_timeout)
        try:
            url = self.url_for(origin, scheme, request.path, query)
            answer = await self._http().request(
                request.method, url, headers=headers, content=request.body or None, timeout=timeout
            )
        except httpx.TimeoutException:
            return OriginResponse(504, [], b"", "timeout")
        except (httpx.HTTPError, httpx.InvalidURL):
            return OriginResponse(502, [], b"", "unreachable")
        kept = [(k, v) for k, v in answer.headers.raw if k.lower() not in EDGE_HEADERS]
        return OriginResponse(answer.status_code, kept, answer.content)


def synthetic(distribution, origin, request, query, scheme):
    """The object an origin elsewhere would have served, described instead of fetched."""
    if origin is None:
        return OriginResponse(502, [], b"", "unreachable")
    path = request.path + ("?" + query if query else "")
    port = origin.https_port if scheme == "https" else origin.http_port
    text = (
        "Synthetic object from the CloudFront sandbox edge (no network traffic).\n"
        f"distribution: {distribution.id}\n"
        f"request: {request.method} {path}\n"
        f"origin: {origin.id} ({origin.domain_name})\n"
        f"fetched over: {scheme.upper()} to port {port} "
        f"(origin protocol policy {origin.protocol_policy}; the viewer used {request.scheme.upper()})\n"
        f"fetched at: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n"
    )
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"x-sandbox-origin", origin.domain_name.encode()),
        (b"x-sandbox-origin-protocol", scheme.encode()),
    ]
    return OriginResponse(200, headers, text.encode())


# ---------------------------------------------------------------- the local origin

STATIC_FILES = {
    "/index.html": (
        b"text/html; charset=utf-8",
        b"<!doctype html>\n<html><head><title>Sandbox origin</title>"
        b'<link rel="stylesheet" href="/css/site.css"></head>\n<body><h1>Hello from the sandbox origin</h1>\n'
        b'<img src="/images/logo.svg" alt="logo"></body></html>\n',
    ),
    "/css/site.css": (b"text/css", b"body { font-family: sans-serif; color: #16191f; }\n"),
    "/images/logo.svg": (
        b"image/svg+xml",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" '
        b'fill="#ff9900"/></svg>\n',
    ),
    "/robots.txt": (b"text/plain", b"User-agent: *\nDisallow:\n"),
}


async def local_origin_app(scope, receive, send):
    """The sandbox's tiny origin: the files above, and an echo of anything else (JSON)."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path = scope["path"] if scope["path"] != "/" else "/index.html"
    scheme = scope["scheme"]
    common = [(b"x-origin-protocol", scheme.encode()), (b"server", b"sandbox-origin")]
    if path in STATIC_FILES and scope["method"] in ("GET", "HEAD"):
        content_type, content = STATIC_FILES[path]
        headers = [
            (b"content-type", content_type),
            (b"content-length", str(len(content)).encode()),
            (b"cache-control", b"max-age=300"),
            *common,
        ]
    else:
        echo = {
            "origin": "CloudFront sandbox local origin",
            "protocol": scheme,
            "method": scope["method"],
            "path": scope["path"],
            "raw_path": scope["raw_path"].decode("latin-1"),  # as it came on the wire, before decoding
            "query": scope["query_string"].decode("latin-1"),
            "headers": {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
            "body": body.decode("utf-8", "replace"),
            "served_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        content = (json.dumps(echo, indent=2) + "\n").encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode()), *common]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": content})
