"""The sandbox edge as a real HTTP and HTTPS server (``manage.py runedge``).

``EdgeRunner`` serves ``app.EdgeApp`` with uvicorn (httptools + uvloop) on the
HTTP and HTTPS ports, and the tiny local origin on two more, all on one event
loop. One database thread refreshes the in-memory snapshot of deployed configs
every half second (settling deployments whose delay has passed, applying
invalidations, rebuilding the SNI table) and flushes usage every second.
"""

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from .. import ca, certificates
from . import tls, usage
from .app import EdgeApp
from .cache import MAX_BYTES, EdgeCache
from .index import EdgeIndex
from .origin import OriginClient, local_origin_app
from .protocol import ConnectionLimiter, EdgeLimits, edge_protocol, listen, uvicorn_server

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 0.5
FLUSH_SECONDS = 1.0
HOUSEKEEPING_SECONDS = 0.25


def configured_limits():
    """``EdgeLimits`` and the cache's size in bytes, from the optional ``CONSOLE_EDGE_LIMITS``
    setting (a dict: ``max_connections``, ``header_timeout``, ``cache_bytes``, ...)."""
    values = dict(getattr(settings, "CONSOLE_EDGE_LIMITS", None) or {})
    cache_bytes = int(values.pop("cache_bytes", MAX_BYTES))
    return EdgeLimits(**values), cache_bytes


class EdgeRunner:
    """Runs the edge (HTTP and HTTPS) and the local origin on one event loop.

    Ports may be 0 (any free port); ``http_port`` etc. hold the bound ports after
    ``bind()``. ``run()`` blocks until SIGINT/SIGTERM; ``start()`` runs in a thread
    (tests) and returns once the edge answers; ``stop()`` ends it.
    """

    def __init__(
        self,
        host="127.0.0.1",
        http_port=8080,
        https_port=8443,
        origin_port=8081,
        origin_https_port=8444,
        local_origin=True,
        origin_hosts=(),
        log_level="warning",
        access_log=False,
        refresh_seconds=REFRESH_SECONDS,
        flush_seconds=FLUSH_SECONDS,
        connections_override=None,
        db_lock=None,
        limits=None,
        cache_bytes=None,
    ):
        self.host = host
        configured, configured_cache = configured_limits()
        self.limits = limits or configured
        self.cache_bytes = cache_bytes or configured_cache
        self.ports = {"http": http_port, "https": https_port, "origin": origin_port, "origin_https": origin_https_port}
        self.local_origin = local_origin
        self.log_level = log_level
        self.access_log = access_log
        self.refresh_seconds = refresh_seconds
        self.flush_seconds = flush_seconds
        self.index = EdgeIndex(origin_hosts)
        self.sockets = {}
        self.servers = []
        self.ready = threading.Event()
        # Tests on an in-memory SQLite database hand over their connection, as Django's live
        # server does: other connections would not see the test's data.
        self.connections_override = dict(connections_override or {})
        # A lock held during each database job: tests on SQLite share it with their own queries.
        self.db_lock = db_lock or contextlib.nullcontext()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="edge-db", initializer=self._db_thread)
        self._loop = None
        self._thread = None
        self._stopping = False
        self.error = None

    @property
    def http_port(self):
        return self.ports["http"]

    @property
    def https_port(self):
        return self.ports["https"]

    @property
    def origin_port(self):
        return self.ports["origin"]

    @property
    def origin_https_port(self):
        return self.ports["origin_https"]

    def bind(self):
        wanted = ["http", "https"] + (["origin", "origin_https"] if self.local_origin else [])
        for name in wanted:
            if name not in self.sockets:
                self.sockets[name] = listen(self.host, self.ports[name])
                self.ports[name] = self.sockets[name].getsockname()[1]
        return self

    def _db_thread(self):
        from django.db import connections

        for alias, connection in self.connections_override.items():
            connections[alias] = connection

    def _close_db(self):
        """Close the database thread's own connections (never one handed over by a test)."""
        from django.db import connections

        for connection in connections.all(initialized_only=True):
            if connection.alias not in self.connections_override:
                connection.close()

    def _prepare(self):
        """Everything that touches the database or the disk before serving (database thread)."""
        certificates.renew_sandbox_certificates()
        self.index.refresh()
        self.selector = tls.CertificateSelector()
        self.selector.rebuild(self.index.snapshot, self.index.certificates)

    def _refresh(self):
        result = self.index.refresh()
        if result.changed or result.certificates_changed:
            self.selector.rebuild(self.index.snapshot, self.index.certificates)
        return result

    async def _database_loop(self, app):
        loop = asyncio.get_running_loop()
        next_flush = time.monotonic() + self.flush_seconds
        while not self._stopping:
            await asyncio.sleep(self.refresh_seconds)
            try:
                result = await loop.run_in_executor(self._db, self._locked, self._refresh)
                for distribution_id, paths, created in result.invalidations:
                    app.cache.invalidate(distribution_id, paths, before=created)
            except Exception:
                logger.exception("The edge could not refresh its view of the deployed distributions")
            if time.monotonic() >= next_flush:
                next_flush = time.monotonic() + self.flush_seconds
                await self._flush(app)

    async def _housekeeping(self, app, limiters):
        """Evict expired objects (they leave even when nobody asks for them again) and time out
        connections whose headers take too long, a few times a second."""
        while not self._stopping:
            await asyncio.sleep(HOUSEKEEPING_SECONDS)
            try:
                app.cache.evict_expired()
                for limiter in limiters:
                    limiter.sweep()
            except Exception:
                logger.exception("The edge's housekeeping failed; it will try again")

    async def _flush(self, app):
        counts = app.meter.take()
        if counts:
            try:
                await asyncio.get_running_loop().run_in_executor(self._db, self._locked, usage.flush, counts)
            except Exception:
                logger.warning("The edge could not record usage; it will try again", exc_info=True)
                app.meter.restore(counts)

    def _locked(self, job, *args):
        with self.db_lock:
            return job(*args)

    async def serve(self):
        self.bind()
        loop = asyncio.get_running_loop()
        self._loop = loop
        await loop.run_in_executor(self._db, self._locked, self._prepare)
        if self._stopping:  # asked to stop while preparing
            self.ready.set()
            await loop.run_in_executor(self._db, self._locked, self._close_db)
            return
        origins = OriginClient(
            self.ports["origin"] if self.local_origin else None,
            self.ports["origin_https"] if self.local_origin else None,
        )
        app = EdgeApp(self.index, self.ports["https"], origins, cache=EdgeCache(max_bytes=self.cache_bytes))
        self.app = app
        # One cap for the edge's HTTP and HTTPS connections, another for the local origin's.
        self.limiter = ConnectionLimiter(self.limits.max_connections)
        limiters = [self.limiter]
        edge = edge_protocol(self.limits, self.limiter)
        self.servers = [
            uvicorn_server(app, edge, log_level=self.log_level, access_log=self.access_log),
            uvicorn_server(app, edge, self.selector.default, self.log_level, self.access_log),
        ]
        sockets = [self.sockets["http"], self.sockets["https"]]
        if self.local_origin:
            origin_cert, origin_key = ca.local_origin_certificate_files()
            origin_tls = tls.file_context(origin_cert, origin_key)
            limiters.append(ConnectionLimiter(self.limits.max_connections))
            origin = edge_protocol(self.limits, limiters[-1])
            self.servers += [
                uvicorn_server(local_origin_app, origin, log_level=self.log_level),
                uvicorn_server(local_origin_app, origin, origin_tls, self.log_level),
            ]
            sockets += [self.sockets["origin"], self.sockets["origin_https"]]
        tasks = [asyncio.ensure_future(s.serve(sockets=[sock])) for s, sock in zip(self.servers, sockets, strict=False)]
        database = asyncio.ensure_future(self._database_loop(app))
        housekeeping = asyncio.ensure_future(self._housekeeping(app, limiters))
        while not all(s.started for s in self.servers):
            if any(t.done() for t in tasks):
                break
            await asyncio.sleep(0.01)
        self.ready.set()
        try:
            await asyncio.gather(*tasks)
        finally:
            self._stopping = True
            for task in (database, housekeeping):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self._flush(app)
            await origins.aclose()
            await loop.run_in_executor(self._db, self._locked, self._close_db)

    def request_stop(self):
        """Stop serving (on the loop's thread): close the connections to origins first, so that
        the local origin does not wait for them to go idle, then the servers."""
        if self._stopping:
            return
        self._stopping = True
        asyncio.ensure_future(self._shutdown())

    async def _shutdown(self):
        app = getattr(self, "app", None)
        if app is not None:
            with contextlib.suppress(Exception):
                await app.origins.aclose()
        for server in self.servers:
            server.should_exit = True

    def _new_loop(self):
        try:
            import uvloop

            return uvloop.new_event_loop()
        except ImportError:  # pragma: no cover
            return asyncio.new_event_loop()

    def run(self, workers=1):
        """Serve until SIGINT or SIGTERM (the ``runedge`` command).

        With ``workers`` > 1, that many processes share the listening sockets, each
        with its own snapshot, cache and usage meter (like the several servers of
        one edge location: a cache hit on one is a miss on another).
        """
        if workers <= 1:
            self._run_loop()
            return
        self.bind()
        self._prepare_files()
        from django.db import connections

        connections.close_all()  # never share a database connection across fork()
        children = []
        for _ in range(workers):
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    self._run_loop()
                except BaseException:
                    logger.exception("An edge worker failed")
                    code = 1
                finally:
                    os._exit(code)
            children.append(pid)

        def forward(sig, _frame):
            for child in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGTERM)

        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in children:
                while True:
                    try:
                        os.waitpid(child, 0)
                        break
                    except InterruptedError:  # pragma: no cover
                        continue
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _prepare_files(self):
        """The CA and the certificate files, made once before worker processes start."""
        ca.cloudfront_certificate_files()
        if self.local_origin:
            ca.local_origin_certificate_files()
        certificates.renew_sandbox_certificates()

    def _run_loop(self):
        loop = self._new_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_stop)
        try:
            loop.run_until_complete(self.serve())
        finally:
            self._db.shutdown(wait=True)
            loop.close()

    def start(self, timeout=15):
        """Serve from a background thread; return once every port answers."""
        self.bind()

        def main():
            loop = self._new_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.serve())
            except BaseException as exc:  # surfaced by start() / stop()
                self.error = exc
                self.ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=main, name="edge", daemon=True)
        self._thread.start()
        if not self.ready.wait(timeout):
            raise TimeoutError("The edge did not start in time.")
        if self.error is not None:
            raise self.error
        return self

    def stop(self, timeout=10):
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self.request_stop)
            self._thread.join(timeout)
        self._db.shutdown(wait=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
