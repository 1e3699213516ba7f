"""Issue #12: the sandbox edge attacked as an attacker would, through raw sockets where an HTTP
client would clean the request up. A running edge (in a thread of the test process) with a
one-second header timeout and a cap of 24 connections, so that the attacks end quickly."""

import json
import socket
import threading
import time

import pytest

from distributions.sandbox.edge import app
from distributions.sandbox.edge.protocol import EdgeLimits

from .edge_support import (
    ALL_VIEWER,
    big_object_origin,
    eventually,
    local_origin,
    raw_request,
    read_response,
    running_edge,
    served,
    status_of,
    viewer_client,
)
from .factories import ALL_METHODS, distribution_config

pytestmark = pytest.mark.django_db(transaction=True)

LIMITS = EdgeLimits(header_timeout=1.0, max_connections=24)
CACHE_BYTES = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def runner(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from running_edge(django_db_blocker, tmp_path_factory, limits=LIMITS, cache_bytes=CACHE_BYTES)


@pytest.fixture
def viewer(runner):
    with viewer_client(runner) as request:
        yield request


class Canary:
    """A TCP port nothing should ever connect to: ``hits`` holds what each connection sent."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.hits = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                self.hits.append(connection.recv(65536))

    def close(self):
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture
def canary():
    watcher = Canary()
    yield watcher
    watcher.close()


def get(host, target, extra=b"", version=b"HTTP/1.1"):
    return b"GET " + target + b" " + version + b"\r\nHost: " + host.encode() + b"\r\n" + extra + b"\r\n"


def echo_site(make_distribution, runner, behaviors=(), **kwargs):
    """A distribution on the local origin (its echo answers with the request it got) that forwards
    everything but Host: the tests see what reached the origin."""
    config = distribution_config(behaviors, origins=[local_origin()], **kwargs)
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"].get("Items", [])]:
        behavior["OriginRequestPolicyId"] = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    return served(
        make_distribution,
        runner,
        origins=[local_origin()],
        DefaultCacheBehavior=config["DefaultCacheBehavior"],
        CacheBehaviors=config["CacheBehaviors"],
        **kwargs,
    )


def closed_by_peer(sock):
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def body_json(response):
    return json.loads(response.partition(b"\r\n\r\n")[2])


class TestTheOriginRequestReachesOnlyTheOrigin:
    def test_a_userinfo_target_is_refused_and_reaches_nothing(self, make_distribution, runner, canary):
        site = echo_site(make_distribution, runner)
        target = b"*@127.0.0.1:%d/healthz" % canary.port
        assert status_of(raw_request(runner.http_port, get(site.domain_name, target))) == 400
        time.sleep(0.3)
        assert canary.hits == []

    def test_a_path_naming_another_server_goes_to_the_origin_as_a_path(self, make_distribution, runner, canary):
        site = echo_site(make_distribution, runner)
        target = b"//127.0.0.1:%d/healthz" % canary.port
        answer = raw_request(runner.http_port, get(site.domain_name, target))
        assert status_of(answer) == 200
        assert body_json(answer)["raw_path"] == f"/127.0.0.1:{canary.port}/healthz"
        assert canary.hits == []

    def test_an_absolute_target_names_the_host_and_nothing_else(self, make_distribution, runner, canary):
        site = echo_site(make_distribution, runner)
        elsewhere = get("example.net", b"http://%s/echo/x?a=1" % site.domain_name.encode())
        answer = raw_request(runner.http_port, elsewhere)
        assert status_of(answer) == 200
        assert (body_json(answer)["raw_path"], body_json(answer)["query"]) == ("/echo/x", "a=1")
        to_canary = get(site.domain_name, b"http://127.0.0.1:%d/healthz" % canary.port)
        assert status_of(raw_request(runner.http_port, to_canary)) == 403  # no distribution serves that host
        assert canary.hits == []

    @pytest.mark.parametrize(
        "request_bytes",
        [
            b"OPTIONS * HTTP/1.1\r\nHost: {host}\r\n\r\n",
            b"CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: {host}\r\n\r\n",
            b"GET /a HTTP/1.1\r\nHost: {host}\r\nHost: other.example\r\n\r\n",
            b"GET /a HTTP/1.1\r\nAccept: */*\r\n\r\n",
            b"GET /a%zz HTTP/1.1\r\nHost: {host}\r\n\r\n",
            b"GET ftp://{host}/a HTTP/1.1\r\nHost: {host}\r\n\r\n",
            b"GET http://user@{host}/a HTTP/1.1\r\nHost: {host}\r\n\r\n",
        ],
        ids=["options-asterisk", "connect", "two-hosts", "no-host", "bad-escape", "ftp-url", "userinfo"],
    )
    def test_malformed_requests_get_400(self, make_distribution, runner, request_bytes):
        site = echo_site(make_distribution, runner)
        answer = raw_request(runner.http_port, request_bytes.replace(b"{host}", site.domain_name.encode()))
        assert status_of(answer) == 400
        assert b"The request could not be satisfied" in answer


class TestOneCanonicalPath:
    """``/admin/*`` is HTTPS Only and ``/secure/*`` redirects: no spelling of those paths gets around it."""

    @pytest.fixture
    def site(self, make_distribution, runner):
        return echo_site(
            make_distribution,
            runner,
            [("/admin/*", "https-only", ALL_METHODS), ("/secure/*", "redirect-to-https")],
        )

    @pytest.mark.parametrize(
        "target",
        [b"/public/../admin/x", b"/%61dmin/x", b"/./admin/x", b"/admin%2fx", b"//admin/x", b"/x/%2E%2e/admin/x"],
    )
    def test_encodings_and_dot_segments_do_not_bypass_https_only(self, site, runner, target):
        answer = raw_request(runner.http_port, get(site.domain_name, target))
        assert status_of(answer) == 403
        assert b'"origin"' not in answer

    def test_dot_segments_do_not_bypass_a_redirect(self, site, runner):
        answer = raw_request(runner.http_port, get(site.domain_name, b"/x/../secure/y?z=1"))
        assert status_of(answer) == 301
        assert f"https://{site.domain_name}:{runner.https_port}/secure/y?z=1".encode() in answer

    def test_the_origin_gets_the_path_the_behavior_was_chosen_on(self, site, runner, viewer):
        answer = viewer("GET", f"https://{site.domain_name}/%61dmin/a%2fb/./c%20d")
        assert answer.status_code == 200
        assert answer.json()["raw_path"] == "/admin/a/b/c%20d"


class TestPathologicalPatterns:
    PATTERN = "/*a*a*a*a*a*b"

    def test_a_pathological_pattern_and_path_answer_at_once(self, make_distribution, runner):
        site = served(make_distribution, runner, [(self.PATTERN, "https-only")], default_policy="redirect-to-https")
        # The figure is 50 ms; 500 ms leaves room for a shared 2-core machine. The regex
        # this replaced took 14 s for 150 characters; this path has 8,000.
        started = time.perf_counter()
        answer = raw_request(runner.http_port, get(site.domain_name, b"/" + b"a" * 8000))
        assert time.perf_counter() - started < 0.5
        assert status_of(answer) == 301

    def test_other_viewers_are_not_delayed(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, [(self.PATTERN, "https-only")], default_policy="redirect-to-https")
        attack = get(site.domain_name, b"/" + b"a" * 8000)
        stop = threading.Event()

        def attacker():
            while not stop.is_set():
                raw_request(runner.http_port, attack)

        threads = [threading.Thread(target=attacker) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:
            worst = 0.0
            for _ in range(20):
                started = time.perf_counter()
                assert viewer("GET", f"http://{site.domain_name}/index.html").status_code == 301
                worst = max(worst, time.perf_counter() - started)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert worst < 1.0  # a frozen loop (the issue: 14 s) would show here; 1 s is noise on 2 cores


class TestForwardingAndCaching:
    def test_credentials_are_not_forwarded_nor_served_to_the_next_viewer(self, make_distribution, runner, viewer):
        site = served(make_distribution, runner, origins=[local_origin()])  # CachingOptimized, no request policy
        secret = {"Authorization": "Bearer alice-secret", "Cookie": "session=alice"}
        first = viewer("GET", f"http://{site.domain_name}/echo/me?token=alice", headers=secret)
        assert first.headers["x-cache"] == "Miss from cloudfront"
        assert "alice" not in first.text
        second = viewer("GET", f"http://{site.domain_name}/echo/me")
        assert second.headers["x-cache"] == "Hit from cloudfront"
        assert "alice" not in second.text

    def test_forwarded_credentials_outside_the_cache_key_are_not_shared(self, make_distribution, runner, viewer):
        config = distribution_config(origins=[local_origin()])
        config["DefaultCacheBehavior"]["OriginRequestPolicyId"] = ALL_VIEWER
        site = served(
            make_distribution, runner, origins=[local_origin()], DefaultCacheBehavior=config["DefaultCacheBehavior"]
        )
        alice = viewer("GET", f"https://{site.domain_name}/echo/me", headers={"Authorization": "Bearer alice"})
        assert alice.json()["headers"]["authorization"] == "Bearer alice"  # AllViewer forwards it
        anonymous = viewer("GET", f"https://{site.domain_name}/echo/me")
        assert anonymous.headers["x-cache"] == "Miss from cloudfront"
        assert "alice" not in anonymous.text

    def test_cookies_in_the_cache_key_keep_viewers_apart(self, make_distribution, runner, viewer):
        config = distribution_config(origins=[local_origin()])
        behavior = config["DefaultCacheBehavior"]
        del behavior["CachePolicyId"]
        behavior.update(
            ForwardedValues={
                "QueryString": False,
                "Cookies": {"Forward": "whitelist", "WhitelistedNames": {"Quantity": 1, "Items": ["session"]}},
                "Headers": {"Quantity": 0},
            },
            MinTTL=0,
            DefaultTTL=60,
            MaxTTL=60,
        )
        site = served(make_distribution, runner, origins=[local_origin()], DefaultCacheBehavior=behavior)
        url = f"http://{site.domain_name}/echo/profile"
        alice = viewer("GET", url, headers={"Cookie": "session=alice; theme=dark"})
        bob = viewer("GET", url, headers={"Cookie": "session=bob"})
        again = viewer("GET", url, headers={"Cookie": "session=alice"})
        assert alice.json()["headers"]["cookie"] == "session=alice"  # theme is not forwarded
        assert (bob.headers["x-cache"], "alice" in bob.text) == ("Miss from cloudfront", False)
        assert (again.headers["x-cache"], again.json()["headers"]["cookie"]) == ("Hit from cloudfront", "session=alice")

    def test_x_forwarded_for_is_appended_to(self, make_distribution, runner):
        site = echo_site(make_distribution, runner)
        extra = b"X-Forwarded-For: 192.0.2.4,192.0.2.3\r\nX-Forwarded-Proto: https\r\nX-Amz-Cf-Id: forged\r\n"
        echo = body_json(raw_request(runner.http_port, get(site.domain_name, b"/echo/xff", extra)))
        assert echo["headers"]["x-forwarded-for"] == "192.0.2.4,192.0.2.3,127.0.0.1"
        assert "x-forwarded-proto" not in echo["headers"]
        assert echo["headers"]["x-amz-cf-id"] != "forged"


class TestLimits:
    def test_a_url_over_8192_bytes_gets_413_and_the_connection_closes(self, make_distribution, runner):
        site = echo_site(make_distribution, runner)
        with socket.create_connection(("127.0.0.1", runner.http_port), timeout=5) as sock:
            sock.sendall(get(site.domain_name, b"/" + b"a" * 8192))
            answer = read_response(sock)
            assert status_of(answer) == 413
            assert sock.recv(1) == b""  # CloudFront "then terminates the TCP connection"
        assert status_of(raw_request(runner.http_port, get(site.domain_name, b"/" + b"a" * 8000))) == 200

    def test_headers_over_20480_bytes_get_413(self, make_distribution, runner):
        site = echo_site(make_distribution, runner)
        many = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"f" * 1000) for i in range(21))
        assert status_of(raw_request(runner.http_port, get(site.domain_name, b"/echo/x", many))) == 413
        some = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"f" * 1000) for i in range(18))
        assert status_of(raw_request(runner.http_port, get(site.domain_name, b"/echo/x", some))) == 200

    def test_one_huge_header_is_cut_off_early(self, make_distribution, runner):
        site = echo_site(make_distribution, runner)
        sent = 0
        with socket.create_connection(("127.0.0.1", runner.http_port), timeout=5) as sock:
            sock.sendall(get(site.domain_name, b"/echo/x")[:-2] + b"X-Huge: ")
            try:
                while sent < 50 * 1024 * 1024:
                    sock.sendall(b"h" * 65536)
                    sent += 65536
            except (BrokenPipeError, ConnectionResetError):
                pass
            answer = read_response(sock)
        assert status_of(answer) in (413, None)  # the 413 may be lost to the reset the close causes
        assert sent < 8 * 1024 * 1024  # the edge closed long before 50 MB

    def test_a_body_over_the_sandbox_limit_gets_413(self, make_distribution, runner, monkeypatch):
        monkeypatch.setattr(app, "MAX_BODY_BYTES", 1024 * 1024)  # 16 MB in earnest; 1 MB is quicker
        site = echo_site(make_distribution, runner, [("/api/*", "allow-all", ALL_METHODS)])
        for size, status in ((1024 * 1024, 200), (2 * 1024 * 1024, 413)):
            head = b"POST /api/x HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n" % (site.domain_name.encode(), size)
            assert status_of(raw_request(runner.http_port, head + b"b" * size)) == status

    def test_headers_that_never_end_are_timed_out(self, make_distribution, runner):
        site = echo_site(make_distribution, runner)
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", runner.http_port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: " + site.domain_name.encode() + b"\r\n")
            try:
                while time.monotonic() - started < 4:
                    sock.sendall(b"X-Slow: 1\r\n")  # a header every 0.2 s: never the blank line
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass
            answer = read_response(sock)
        assert status_of(answer) in (408, None)
        assert time.monotonic() - started < 3  # 1 s timeout, generous margin

    def test_a_viewers_keep_alive_connection_outlives_a_slowloris_flood(self, make_distribution, runner):
        site = echo_site(make_distribution, runner)
        request = get(site.domain_name, b"/echo/keep-alive")
        slow = []
        with socket.create_connection(("127.0.0.1", runner.http_port), timeout=5) as kept:
            kept.sendall(request)
            assert status_of(read_response(kept)) == 200
            try:
                for _ in range(3 * LIMITS.max_connections):
                    sock = socket.create_connection(("127.0.0.1", runner.http_port), timeout=5)
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                    slow.append(sock)

                def flood_seen():  # every slow connection but those that fit was closed by the edge
                    assert sum(map(closed_by_peer, slow)) >= len(slow) - (LIMITS.max_connections - 1)

                eventually(flood_seen)
                kept.sendall(request)
                assert status_of(read_response(kept)) == 200
            finally:
                for sock in slow:
                    sock.close()

    def test_slowloris_does_not_lock_viewers_out(self, make_distribution, runner, viewer):
        site = echo_site(make_distribution, runner)
        slow = []
        try:
            for _ in range(3 * LIMITS.max_connections):
                sock = socket.create_connection(("127.0.0.1", runner.http_port), timeout=5)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                slow.append(sock)
            assert len(runner.limiter.open) <= LIMITS.max_connections
            assert viewer("GET", f"http://{site.domain_name}/echo/ok").status_code == 200
        finally:
            for sock in slow:
                sock.close()


class TestTheCache:
    def test_it_is_bounded_in_bytes_and_expired_objects_leave_by_themselves(self, make_distribution, runner, viewer):
        big = big_object_origin(CACHE_BYTES // 16, max_age=1)
        origin = local_origin("http-only", Id="big")
        origin["CustomOriginConfig"]["HTTPPort"] = big.port
        site = served(make_distribution, runner, origins=[origin])
        cache = runner.app.cache
        budget = cache.max_bytes
        try:
            for n in range(40):
                assert viewer("GET", f"http://{site.domain_name}/big/{n}").status_code == 200
            assert 0 < cache.bytes <= budget
            assert len(cache) < 40  # 40 objects of max_bytes / 16 cannot all stay

            def emptied():
                assert cache.bytes == 0 and len(cache) == 0

            eventually(emptied, timeout=5)  # max-age=1: gone within a second or two, unasked
        finally:
            big.shutdown()
