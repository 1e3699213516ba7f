"""Helpers for tests against a running edge: one started in a thread of the test process, raw
sockets (an HTTP client would clean up the requests an attacker sends), and the viewer's client."""

import contextlib
import http.server
import socket
import ssl
import threading
import time

import httpx
from django.db import connection
from django.test import override_settings

from distributions.sandbox import ca
from distributions.sandbox.edge.runner import EdgeRunner

from .factories import OriginFactory

ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


def eventually(check, timeout=5.0):
    """Retry ``check`` (an assertion-raising callable) until it passes or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def running_edge(django_db_blocker, tmp_path_factory, **options):
    """Start an edge on free ports, refreshing every 50 ms and flushing usage every 100 ms; yield it.

    It reads the test database from its own thread: SQLite's shared in-memory test database
    answers "table is locked" instead of waiting, so the edge's database jobs and the test
    thread's queries take turns on one lock.
    """
    with override_settings(CONSOLE_EDGE_STATE_DIR=tmp_path_factory.mktemp("edge")), django_db_blocker.unblock():
        lock = threading.RLock()

        def take_turns(execute, sql, params, many, context):
            with lock:
                return execute(sql, params, many, context)

        edge_runner = EdgeRunner(
            http_port=0,
            https_port=0,
            origin_port=0,
            origin_https_port=0,
            refresh_seconds=0.05,
            flush_seconds=0.1,
            db_lock=lock,
            **options,
        )
        with connection.execute_wrapper(take_turns):
            edge_runner.start()
            yield edge_runner
            edge_runner.stop()


@contextlib.contextmanager
def viewer_client(runner):
    """A ``request(method, url, **kwargs)`` that trusts the local CA and talks to the edge whatever
    the URL's host says (the host goes in the Host header and SNI)."""
    context = ssl.create_default_context(cafile=str(ca.ca_certificate_path()))
    with httpx.Client(verify=context, timeout=5, trust_env=False) as client:

        def request(method, url, **kwargs):
            scheme, rest = url.split("://", 1)
            host, _, path = rest.partition("/")
            port = runner.https_port if scheme == "https" else runner.http_port
            extensions = {"sni_hostname": host} if scheme == "https" else {}
            return client.request(
                method,
                f"{scheme}://127.0.0.1:{port}/{path}",
                headers={"Host": host, **kwargs.pop("headers", {})},
                extensions=extensions,
                **kwargs,
            )

        yield request


def local_origin(policy="match-viewer", **fields):
    """The sandbox's local origin (DomainName 127.0.0.1), reached over ``policy``."""
    origin = OriginFactory(**{"Id": "local", "DomainName": "127.0.0.1", **fields})
    origin["CustomOriginConfig"]["OriginProtocolPolicy"] = policy
    return origin


def served(make_distribution, runner, *args, **kwargs):
    """A distribution, created and deployed, once the running edge serves it."""
    site = make_distribution(*args, **kwargs)
    eventually(lambda: _assert_known(runner, site.domain_name))
    return site


def _assert_known(runner, host):
    assert runner.index.snapshot.find(host) is not None


def raw_request(port, data, timeout=5.0):
    """Send ``data`` as it is and read until the edge closes the connection or answers one response;
    return the bytes received (b"" when it closed without a word)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_response(sock)


def read_response(sock):
    """One HTTP response from ``sock`` (head and a Content-Length body), or what came before EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def status_of(response):
    """The status code of a raw response, or None when there was none."""
    if not response.startswith(b"HTTP/1."):
        return None
    return int(response.split(b" ", 2)[1])


def header_of(response, name):
    """The first value of header ``name`` in a raw response, or None."""
    head = response.partition(b"\r\n\r\n")[0]
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


class _BigObjects(http.server.BaseHTTPRequestHandler):
    """``GET /big/<anything>``: ``server.size`` bytes that may be cached ``server.max_age`` seconds."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"x" * self.server.size
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", f"max-age={self.server.max_age}")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def big_object_origin(size, max_age=1):
    """An origin on a free port answering every GET with ``size`` bytes (``.port``, ``.shutdown()``)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BigObjects)
    server.size, server.max_age = size, max_age
    server.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
