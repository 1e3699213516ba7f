#!/usr/bin/env python
"""Benchmark: the edge's 301 throughput for normal viewers while each attack of issue #12 runs.

Sets up a throw-away database and ``manage.py runedge`` as ``run.py`` does (same
distribution: the large catalog, default behavior Redirect HTTP to HTTPS), plus two
behaviors for the attacks: the pathological pattern ``/*a*a*a*a*a*b`` and
``/objects/*`` on an origin this script runs, which answers 256 KB cacheable for a
minute. Then, for several rounds, runs wrk on the 301 (the normal viewers) alone and
while each attack runs from threads of this process, and prints side by side the
median requests per second, the ratio to no attack, the edge's peak RSS (all its
processes) and what the attacker got.

    .venv/bin/python bench/edge/attacks.py [--rounds 3] [--seconds 5] [--connections 64] [--workers N]

Needs ``wrk`` (``apt-get install -y wrk``). Exits 0: it is a report. The attackers
share the two cores with wrk and the edge, so every attack also costs the viewers
the CPU it burns: compare the rows with each other, not with run.py's figures.
"""

import argparse
import collections
import http.server
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.edge.run import PATH, PROJECT, PYTHON, check_301, free_port, run, wait_for, wrk  # noqa: E402

OBJECT_BYTES = 256 * 1024
SETUP = """
import os
from distributions import publish
from distributions.sandbox.simulator import SimulatorBackend
from distributions.sandbox.models import SimulatedDistribution
from distributions.sandbox.fixtures import sandbox_configs
config = next(c for c in sandbox_configs() if c['CallerReference'] == 'sandbox-large-catalog')
config['CallerReference'] = 'bench-edge-attacks'
config['DefaultCacheBehavior']['ViewerProtocolPolicy'] = 'redirect-to-https'
origin = dict(config['Origins']['Items'][0], Id='objects', DomainName='127.0.0.1', OriginPath='')
origin['CustomOriginConfig'] = dict(origin.get('CustomOriginConfig') or {}, HTTPPort=int(os.environ['OBJECTS_PORT']),
                                    OriginProtocolPolicy='http-only')
config['Origins'] = {'Quantity': len(config['Origins']['Items']) + 1, 'Items': [*config['Origins']['Items'], origin]}
template = config['CacheBehaviors']['Items'][-1]
extra = [dict(template, PathPattern='/*a*a*a*a*a*b', ViewerProtocolPolicy='https-only'),
         dict(template, PathPattern='/objects/*', TargetOriginId='objects', ViewerProtocolPolicy='allow-all')]
items = extra + config['CacheBehaviors']['Items']
config['CacheBehaviors'] = {'Quantity': len(items), 'Items': items}
row = publish.import_distribution(config, SimulatorBackend())
SimulatedDistribution.objects.filter(pk=row.id).update(status='Deployed', deployed_config=config)
print(row.domain_name)
"""


class Objects(http.server.BaseHTTPRequestHandler):
    """The attacked origin: 256 KB for any GET, cacheable for a minute."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(OBJECT_BYTES))
        self.send_header("Cache-Control", "max-age=60")
        self.end_headers()
        self.wfile.write(b"o" * OBJECT_BYTES)

    def log_message(self, *args):
        pass


def edge_rss(pid):
    """RSS in bytes of ``pid`` and its children (the worker processes of ``runedge --workers N``)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def exchange(port, data, read=True):
    """Send ``data`` on a new connection; return the status the edge answered (None: closed)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(data)
            if not read:
                return None
            head = b""
            while b"\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    return None
                head += chunk
            return int(head.split(b" ", 2)[1])
    except OSError:
        return None


class Attack:
    """Threads that run ``once`` in a loop until stopped, tallying what each round got."""

    threads = 4

    def __init__(self, port, host):
        self.port, self.host = port, host
        self.outcomes = collections.Counter()
        self.stop = threading.Event()

    def __enter__(self):
        self.workers = [threading.Thread(target=self._loop, args=(n,), daemon=True) for n in range(self.threads)]
        for worker in self.workers:
            worker.start()
        return self

    def _loop(self, number):
        count = 0
        while not self.stop.is_set():
            self.outcomes[self.once(number, count)] += 1
            count += 1

    def __exit__(self, *exc):
        self.stop.set()
        for worker in self.workers:
            worker.join()

    def request(self, target, extra=b""):
        return b"GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (target, self.host.encode(), extra)

    def summary(self):
        return ", ".join(f"{status or 'closed'} x{count:,}" for status, count in self.outcomes.most_common(3))


class NoAttack(Attack):
    threads = 0


class PathologicalPath(Attack):
    """``/`` + 8,000 ``a``: the regex this edge used backtracked for seconds on 150."""

    def once(self, number, count):
        return exchange(self.port, self.request(b"/" + b"a" * 8000))


class UserinfoTarget(Attack):
    """``GET *@127.0.0.1:PORT/healthz``: the SSRF of the issue."""

    def once(self, number, count):
        return exchange(self.port, self.request(b"*@127.0.0.1:%d/healthz" % self.port))


class OversizedHeaders(Attack):
    """Requests with 21 KB of headers (CloudFront's limit is 20,480 bytes)."""

    def once(self, number, count):
        return exchange(self.port, self.request(PATH.encode(), b"X-Filler: " + b"f" * 21_000 + b"\r\n"))


class HeaderFlood(Attack):
    """Eight connections each sending a 50 MB header."""

    threads = 8

    def once(self, number, count):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                sock.sendall(self.request(PATH.encode())[:-2] + b"X-Flood: ")
                for _ in range(50 * 16):
                    sock.sendall(b"f" * 65536)
        except OSError:
            return "cut off"
        return "50 MB sent"


class CacheFlood(Attack):
    """Distinct 256 KB objects, each cacheable for a minute."""

    def once(self, number, count):
        return exchange(self.port, self.request(b"/objects/%d-%d-%d" % (os.getpid(), number, count)))


class Slowloris(Attack):
    """3,000 connections that send a header line every second and never finish."""

    threads = 1

    def once(self, number, count):
        if count == 0:
            self.sockets, self.opened, self.closed = [], 0, 0
        while len(self.sockets) < 3000 and not self.stop.is_set():
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=1)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: " + self.host.encode() + b"\r\n")
            except OSError:
                break
            self.sockets.append(sock)
            self.opened += 1
        for sock in list(self.sockets):
            try:
                sock.sendall(b"X-Slow: 1\r\n")
            except OSError:
                self.closed += 1
                self.sockets.remove(sock)
                sock.close()
        self.stop.wait(1)

    def summary(self):
        held = len(getattr(self, "sockets", ()))
        return (
            f"{getattr(self, 'opened', 0):,} opened, {getattr(self, 'closed', 0):,} closed by the edge, {held:,} held"
        )

    def __exit__(self, *exc):
        super().__exit__(*exc)
        for sock in getattr(self, "sockets", []):
            sock.close()


ATTACKS = {
    "none": NoAttack,
    "pathological path": PathologicalPath,
    "userinfo target": UserinfoTarget,
    "21 KB headers": OversizedHeaders,
    "50 MB headers": HeaderFlood,
    "cache flood": CacheFlood,
    "slowloris": Slowloris,
}


def measure(args, pid, port, host, name):
    """wrk's requests per second while attack ``name`` runs; the edge's peak RSS; the attacker's tally."""
    attack = ATTACKS[name](port, host)
    peak = [edge_rss(pid)]
    done = threading.Event()

    def sample():
        while not done.wait(0.1):
            peak[0] = max(peak[0], edge_rss(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with attack:
        time.sleep(0.5)  # let the attack get going
        rps = wrk(port, host, args.seconds, args.connections, args.threads)
    done.set()
    sampler.join()
    return rps, peak[0], attack.summary()


def start_edge(args, env, port):
    command = [PYTHON, "manage.py", "runedge", "--http-port", str(port), "--https-port", "8443", "--no-origin"]
    return subprocess.Popen(
        [*command, "--workers", str(args.workers)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def report(results, rss):
    base = statistics.median(results["none"])
    print(f"{'attack':20} {'viewers req/s':>14} {'vs none':>8} {'edge RSS peak':>14}   attacker got (last round)")
    for name, values in results.items():
        rps = statistics.median(values)
        print(f"{name:20} {rps:>14,.0f} {rps / base:>8.2f} {max(rss[name][0]) / 2**20:>11,.0f} MB   {rss[name][1]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="runedge processes")
    parser.add_argument("--only", nargs="*", choices=list(ATTACKS)[1:], help="run only these attacks")
    args = parser.parse_args()
    if args.only:
        for name in list(ATTACKS)[1:]:
            if name not in args.only:
                del ATTACKS[name]
    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Objects)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="bench-edge-attacks-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "CONSOLE_EDGE_STATE_DIR": f"{tmp}/edge",
            "DJANGO_SETTINGS_MODULE": "bench.edge.settings",
            "PYTHONPATH": str(PROJECT),
            "OBJECTS_PORT": str(origin.server_address[1]),
        }
        run([PYTHON, "manage.py", "migrate", "-v0"], env)
        host = run([PYTHON, "manage.py", "shell", "-c", SETUP], env).stdout.strip().splitlines()[-1]
        port = free_port()
        edge = start_edge(args, env, port)
        try:
            wait_for(port)
            check_301(port, host)
            print(f"301 for http://{host}{PATH}; wrk -t{args.threads} -c{args.connections} -d{args.seconds}s")
            print(
                f"{args.rounds} rounds, attacks in turn; runedge with {args.workers} worker(s); {os.cpu_count()} CPUs"
            )
            results = {name: [] for name in ATTACKS}
            rss = {name: ([], "") for name in ATTACKS}
            wrk(port, host, 1, args.connections, args.threads)  # warm-up
            for number in range(args.rounds):
                names = list(ATTACKS)[number % len(ATTACKS) :] + list(ATTACKS)[: number % len(ATTACKS)]
                for name in names:
                    rps, peak, got = measure(args, edge.pid, port, host, name)
                    results[name].append(rps)
                    rss[name] = (rss[name][0] + [peak], got)
                    print(f"  round {number + 1} {name:20} {rps:>10,.0f} req/s  edge {peak / 2**20:,.0f} MB  {got}")
        finally:
            edge.terminate()
            edge.wait(10)
            origin.shutdown()
        report(results, rss)


if __name__ == "__main__":
    main()
