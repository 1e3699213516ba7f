"""The sandbox edge's HTTP/1.1 connections: uvicorn's httptools protocol with CloudFront's limits.

What a connection gets before the application sees a request:

- 413 and the connection closed when the URL is over 8,192 bytes or the request line
  and headers over 20,480 bytes. The figures and the status are CloudFront's
  (Developer Guide, "Request and response behavior for custom origins" > "Maximum
  length of a request and maximum length of a URL": "CloudFront returns HTTP status
  code 413, Request Entity Too Large, to the viewer, and then terminates the TCP
  connection"). Counted as bytes arrive, so a 50 MB header never gets buffered.
- 400 for a request target that is not a path (``OPTIONS *``, ``CONNECT host:port``,
  ``*@host/...``), for two Host headers, or for HTTP/1.1 without one (RFC 9112
  section 3.2). An absolute-form target (``GET http://host/path``) names the host:
  its authority replaces the Host header (RFC 9112 section 3.2.2).
- A header-read timeout: headers not complete ``header_timeout`` seconds after the
  connection opened or the request began get 408 and the connection closed (AWS
  documents no figure; 10 s is ample for any real viewer and short for slowloris).
  ``ConnectionLimiter.sweep``, which the runner calls four times a second, enforces
  it: a timer per request cost the 301 path several percent.
- A cap on open connections per edge process, HTTP and HTTPS together. At the cap, a
  new connection closes the oldest one that never completed a request (headers
  still trickling in), else the oldest idle keep-alive one; if every one has a
  request in progress, the new one is closed. So connections that never finish
  their headers cannot lock viewers out, and viewers' keep-alive connections go last.

Responses are written through ``CorkedTransport``: one system call per response.
"""

import contextlib
import resource
import socket
import time
from dataclasses import dataclass

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ...cloudfront.uri import TargetError, split_target
from . import responses

_HEAD_SLACK = 64  # request line framing (method, version, CRLFs) besides URL and headers


def _default_max_connections():
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(64, min(1024, soft // 4)) if soft > 0 else 1024


@dataclass(frozen=True)
class EdgeLimits:
    max_url_bytes: int = 8192
    max_request_bytes: int = 20480
    header_timeout: float = 10.0
    max_connections: int = _default_max_connections()


class CorkedTransport:
    """A transport that gathers the writes of one event-loop iteration and sends them at once.

    uvicorn writes a response's status line and headers, then its body, with two
    ``transport.write`` calls: two system calls (two TLS records over HTTPS) for a
    167-byte 301. Gathered, they leave in one, as nginx sends them.
    """

    __slots__ = ("_transport", "_loop", "_chunks", "_scheduled")

    def __init__(self, transport, loop):
        self._transport = transport
        self._loop = loop
        self._chunks = []
        self._scheduled = False

    def write(self, data):
        if not data:
            return
        self._chunks.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self):
        self._scheduled = False
        chunks = self._chunks
        if chunks:
            self._chunks = []
            if not self._transport.is_closing():
                self._transport.write(chunks[0] if len(chunks) == 1 else b"".join(chunks))

    def close(self):
        self._flush()
        self._transport.close()

    def __getattr__(self, name):
        return getattr(self._transport, name)


class ConnectionLimiter:
    """The open connections of one edge process, at most ``limit`` (see the module docstring)."""

    def __init__(self, limit):
        self.limit = limit
        self.open = {}  # protocol -> None, oldest first
        self.now = time.monotonic()  # as of the last sweep: when a head began, to a sweep's precision

    def admit(self, protocol):
        """Count a new connection in; False when it must be closed."""
        if len(self.open) >= self.limit:
            # First the oldest connection that never completed a request (slowloris looks like
            # that), then the oldest idle keep-alive one; never one with a request in progress.
            idle = next((p for p in self.open if p.cycle is None), None)
            idle = idle or next((p for p in self.open if not p.busy), None)
            if idle is None:
                return False
            idle.drop()
        self.open[protocol] = None
        return True

    def release(self, protocol):
        """Stop counting a connection (closed, or being closed)."""
        self.open.pop(protocol, None)

    def sweep(self):
        """Time out the connections whose headers have been arriving for too long (the runner calls
        this a few times a second: cheaper than a timer per request)."""
        self.now = now = time.monotonic()
        for protocol in [p for p in self.open if p.head_since is not None]:
            if now - protocol.head_since > protocol.limits.header_timeout:
                protocol.head_timeout()


class _Rejected(Exception):
    """Raised from a parser callback to stop parsing a request the edge refuses."""


class EdgeHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the edge's limits (``edge_protocol`` makes the class a
    server uses, with its ``limits`` and its ``limiter``)."""

    limits = EdgeLimits()
    limiter = None  # a ConnectionLimiter

    def connection_made(self, transport):
        """A new connection: corked writes, the head's clock started, counted in (or closed) at the cap."""
        super().connection_made(CorkedTransport(transport, self.loop))
        self._rejection = None
        self._closed = False
        self._head_bytes = 0
        self._header_bytes = 0
        self._hosts = 0
        self.head_since = self.limiter.now  # when the headers being read began; None between them
        if not self.limiter.admit(self):
            self.drop()

    def connection_lost(self, exc):
        """The connection is gone: uncount it and drop every timer that still holds it."""
        self._closed = True
        self.limiter.release(self)
        # uvicorn cancels its keep-alive timer only when the connection ended cleanly: after a
        # reset the timer kept the connection (request, scope, buffers) alive for 60 s, and a
        # viewer resetting connections grew the edge by hundreds of MB.
        self._unset_keepalive_if_required()
        super().connection_lost(exc)

    @property
    def busy(self):
        """True while a request's headers are complete and its response is not."""
        return bool(self.pipeline) or (self.cycle is not None and not self.cycle.response_complete)

    def drop(self):
        """Close the connection now (and stop counting it, so that the cap admits another)."""
        self._closed = True
        self.head_since = None
        self.limiter.release(self)
        self.transport.close()

    def head_timeout(self):
        """408 (or a silent close when nothing came) for headers that took too long."""
        self.head_since = None
        if self._closed:
            return
        if self.headers is not None:  # a request began (uvicorn sets it in on_message_begin)
            self._reply(408, responses.REQUEST_TIMEOUT)
        else:
            self.drop()

    def _reply(self, status, message):
        """Answer a refused request like CloudFront, then close the connection."""
        if self._closed:
            return
        self._closed = True
        self.head_since = None
        self.transport.write(responses.refusal(status, message))
        self.transport.close()

    def data_received(self, data):
        """Feed the parser; answer a refused request, or 413 once a head outgrows the limit."""
        self._unset_keepalive_if_required()
        if self._closed:
            return
        self._head_bytes += len(data)  # since the head began, give or take the chunk it began in
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # no WebSocket at the sandbox edge: the request was served as plain HTTP
        except httptools.HttpParserError:
            self._reply(*(self._rejection or (400, responses.BAD_REQUEST)))
            return
        if self.head_since is not None and self._head_bytes > self.limits.max_request_bytes + _HEAD_SLACK:
            self._reply(413, responses.TOO_LARGE)

    def _refuse(self, status, message):
        self._rejection = (status, message)
        raise _Rejected(message)

    def on_message_begin(self):
        """A request begins: its head's byte counts and clock start."""
        super().on_message_begin()
        self._head_bytes = self._header_bytes = self._hosts = 0
        self.head_since = self.limiter.now

    def on_url(self, url):
        """A piece of the request target (the parser may call this several times)."""
        self.url += url
        if len(self.url) > self.limits.max_url_bytes:
            self._refuse(413, responses.TOO_LARGE)

    def on_header(self, name, value):
        """One header line: counted against the limit, Host headers counted."""
        name = name.lower()
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes + len(self.url) > self.limits.max_request_bytes:
            self._refuse(413, responses.TOO_LARGE)
        if name == b"host":
            self._hosts += 1
        elif name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self):
        """The head is complete: check the target and the Host headers, then hand over to uvicorn."""
        self.head_since = None
        if self.url[:1] != b"/" or self._hosts != 1:
            self._check_target()
        super().on_headers_complete()

    def _check_target(self):
        """The uncommon targets and Host headers: absolute form, none, several, or refused."""
        if self._hosts > 1:
            self._refuse(400, responses.BAD_REQUEST)
        try:
            authority, path, query = split_target(self.url)
        except TargetError:
            self._refuse(400, responses.BAD_REQUEST)
        if authority is not None:
            self.headers[:] = [(n, v) for n, v in self.headers if n != b"host"] + [(b"host", authority)]
            self.url = path + (b"?" + query if query else b"")
        elif self._hosts == 0 and self.parser.get_http_version() != "1.0":
            self._refuse(400, responses.BAD_REQUEST)


def edge_protocol(limits, limiter):
    """The protocol class for a uvicorn server: ``EdgeHttpProtocol`` with ``limits``, counting its
    connections in ``limiter`` (share one limiter between servers to share the cap)."""
    return type("EdgeHttpProtocol", (EdgeHttpProtocol,), {"limits": limits, "limiter": limiter})


def listen(host, port):
    """A non-blocking listening socket on ``host:port`` (IPv6 when the host is)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def uvicorn_server(app, protocol, ssl_context=None, log_level="warning", access_log=False):
    """A uvicorn Server that leaves signal handling to the runner (it runs several servers)."""
    import uvicorn

    class Quiet(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            yield

    options = {
        "lifespan": "off",
        "proxy_headers": False,  # the edge is what viewers reach; and the middleware costs time
        "ws": "none",
        "log_level": log_level,
        "access_log": access_log,
        "server_header": False,
        "http": protocol,
        "loop": "none",
        "timeout_graceful_shutdown": 2,
        "timeout_keep_alive": 60,
    }
    if ssl_context is not None:
        options["ssl_context_factory"] = lambda config, default: ssl_context
    return Quiet(uvicorn.Config(app, **options))
