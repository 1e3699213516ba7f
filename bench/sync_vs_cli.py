#!/usr/bin/env python
"""Benchmark: `manage.py sync_distributions` against `aws cloudfront list-distributions`.

Both page the same moto server holding N distributions (1,000 by default), in
the same run, alternately, for several rounds. The script prints, for each,
the median/min/max wall-clock seconds and the ListDistributions requests the
server received, then the ratio console/CLI of the medians and whether the
targets hold (console API calls == pages == ceil(N / page size); ratio <= 1.0,
issue #15), and the peak memory (max RSS, from ``/usr/bin/time``) of each
process. With several sizes (``--distributions 1000,10000``) it runs them in
turn on the same server and prints the peaks side by side: the sync's memory
must stay flat while N grows tenfold.

    .venv/bin/python bench/sync_vs_cli.py [--distributions 1000[,10000]] [--rounds 5]

The AWS CLI (awscli from PyPI, v1) pins its own botocore, so it lives in its
own venv, bench/.venv-awscli, created on first run and reused afterwards.
Creating the distributions is not measured: the first through CreateDistribution over
HTTP, the rest straight into moto's in-process backend with the same configs
(the same listing, 3 ms each instead of 30). The report exits 0 whether or not
the targets hold; it exits non-zero only when something fails.
"""

import argparse
import datetime
import json
import logging
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import venv
from pathlib import Path
from urllib.parse import parse_qs

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
AWSCLI_VENV = BENCH / ".venv-awscli"
AWS = AWSCLI_VENV / "bin" / "aws"
TARGET_RATIO = 1.0  # issue #15: the sync of 10,000 takes no longer than the AWS CLI's listing
FLAT_GROWTH = 0.10  # "peak memory flat": at most 10 % more at the largest N than at the smallest
TIME = Path("/usr/bin/time")
LIST_PATH = "/2020-05-31/distribution"  # GET on it is ListDistributions (POST is CreateDistribution)
SYNC_LINE = re.compile(r"Mirrored (\d+) distribution\(s\)(?: with (\d+) API call\(s\))? in ([\d.]+) s\.")

# Dummy credentials and no profile or config file: nothing here can reach a real account.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_PAGER": "",
}


def log(message):
    print(message, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# --- the AWS CLI in its own venv ---------------------------------------------------------


def ensure_awscli():
    """bench/.venv-awscli with awscli from PyPI; reused when it already answers `aws --version`."""
    if AWS.exists():
        probe = subprocess.run([str(AWS), "--version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return (probe.stdout or probe.stderr).strip()
        log(f"{AWS} is broken ({probe.stderr.strip()[:200]}); reinstalling")
    log(f"Installing awscli into {AWSCLI_VENV} (once) …")
    venv.EnvBuilder(with_pip=True, clear=True).create(AWSCLI_VENV)
    pip = [str(AWSCLI_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["awscli"], check=True)
    probe = subprocess.run([str(AWS), "--version"], capture_output=True, text=True, check=True)
    return (probe.stdout or probe.stderr).strip()


# --- moto, with a count of the ListDistributions requests it serves ---------------------


class ListCounter:
    """WSGI middleware: counts GET /2020-05-31/distribution, keeping each one's query string and server time."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.queries = []
        self.seconds = 0.0

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO", "").rstrip("/") != LIST_PATH:
            return self.app(environ, start_response)
        started = time.perf_counter()
        body = list(self.app(environ, start_response))  # moto's whole work for the page, serialisation included
        with self.lock:
            self.queries.append(environ.get("QUERY_STRING", ""))
            self.seconds += time.perf_counter() - started
        return body

    def take(self):
        """The requests seen since the last take, and the server seconds they took."""
        with self.lock:
            queries, seconds, self.queries, self.seconds = self.queries, self.seconds, [], 0.0
        return queries, seconds


def start_moto():
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request

    counter = ListCounter(DomainDispatcherApplication(create_backend_app))

    class CountingMotoServer(ThreadedMotoServer):
        """ThreadedMotoServer whose app is wrapped in the counter (port 0 → a free port)."""

        def _server_entry(self):
            self._server = make_server(self._ip_address, self._port, counter, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    server = CountingMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, counter, f"http://{host}:{port}"


# --- the distributions -------------------------------------------------------------------


def config_factory():
    """A realistic DistributionConfig from the test factories: 3 origins, 4 cache behaviors, no aliases."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()  # tests.factories imports the user model; no database is touched
    from tests.factories import (
        ALL_METHODS,
        GET_HEAD,
        GET_HEAD_OPTIONS,
        BehaviorFactory,
        OriginFactory,
        distribution_config,
        methods,
    )

    def make(n):
        origins = [OriginFactory(Id="origin-web"), OriginFactory(Id="origin-api"), OriginFactory(Id="origin-static")]
        origins[0]["DomainName"] = f"web{n}.example.com"
        behaviors = [
            BehaviorFactory(
                PathPattern="/api/*",
                TargetOriginId="origin-api",
                ViewerProtocolPolicy="https-only",
                AllowedMethods=methods(ALL_METHODS),
            ),
            BehaviorFactory(
                PathPattern="/static/*",
                TargetOriginId="origin-static",
                ViewerProtocolPolicy="redirect-to-https",
                AllowedMethods=methods(GET_HEAD),
            ),
            BehaviorFactory(
                PathPattern="/images/*.jpg",
                TargetOriginId="origin-static",
                ViewerProtocolPolicy="allow-all",
                AllowedMethods=methods(GET_HEAD),
            ),
            BehaviorFactory(
                PathPattern="/fonts/*",
                TargetOriginId="origin-static",
                ViewerProtocolPolicy="redirect-to-https",
                AllowedMethods=methods(GET_HEAD_OPTIONS),
            ),
        ]
        return distribution_config(
            behaviors=behaviors,
            origins=origins,
            default_policy="redirect-to-https",
            comment=f"bench site {n}",
        )

    return make


def create_distributions(endpoint, start, count):
    """Distributions start..count-1 on moto: CreateDistribution over HTTP for the very first, the rest in
    moto's in-process backend (what CreateDistribution does, without the XML round trip)."""
    import boto3
    from moto.cloudfront.models import cloudfront_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    make = config_factory()
    client = boto3.client("cloudfront", region_name="us-east-1", endpoint_url=endpoint)
    backend = cloudfront_backends[DEFAULT_ACCOUNT_ID]["aws"]
    started = time.perf_counter()
    for n in range(start, count):
        if n == 0:
            client.create_distribution(DistributionConfig=make(n))
        else:
            backend.create_distribution(distribution_config=make(n), tags=[])
    created = time.perf_counter() - started
    log(f"  created {count - start} distributions ({created:.1f} s)")
    first = client.list_distributions()["DistributionList"]  # the page size moto answers with
    return created, first.get("Quantity", 0), first.get("MaxItems")


def measured(command, **kwargs):
    """``subprocess.run`` under ``/usr/bin/time``: (CompletedProcess, peak RSS in MiB of the command)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        done = subprocess.run([str(TIME), "-f", "%M", "-o", rss.name, *command], **kwargs)
        text = rss.read().strip().splitlines()
    return done, (int(text[-1]) / 1024 if text and text[-1].isdigit() else float("nan"))


# --- the two contenders ------------------------------------------------------------------


def child_env(endpoint, database_url=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENV)
    env["AWS_ENDPOINT_URL_CLOUDFRONT"] = endpoint
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("VIRTUAL_ENV", None)
    if database_url:
        env["CONSOLE_BACKEND"] = "aws"
        env["DATABASE_URL"] = database_url
        # As in production: DEBUG off (Django then keeps no log of every query in memory).
        env["DJANGO_DEBUG"] = "false"
        env["DJANGO_SECRET_KEY"] = "bench-sync-" + os.urandom(16).hex()
    return env


def run_sync(env, counter):
    counter.take()
    started = time.perf_counter()
    done, peak = measured(
        [sys.executable, "manage.py", "sync_distributions"], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    requests, server = counter.take()
    if done.returncode != 0:
        raise BenchError(f"sync_distributions exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    match = SYNC_LINE.search(done.stdout)
    if not match:
        raise BenchError(f"unexpected sync_distributions output: {done.stdout.strip()[-500:]!r}")
    count, calls, own = int(match[1]), int(match[2] or -1), float(match[3])
    return {
        "seconds": seconds,
        "count": count,
        "calls": calls,
        "requests": len(requests),
        "queries": requests,
        "server": server,
        "inside": own,
        "rss": peak,
    }


def run_cli(endpoint, env, counter, debug=False):
    command = [str(AWS), "cloudfront", "list-distributions", "--endpoint-url", endpoint, "--output", "json"]
    if debug:
        command.append("--debug")
    counter.take()
    started = time.perf_counter()
    done, peak = measured(command, cwd=BENCH, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    requests, server = counter.take()
    if done.returncode != 0:
        raise BenchError(f"aws exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    answer = json.loads(done.stdout)
    count = len((answer.get("DistributionList") or {}).get("Items") or [])
    result = {
        "seconds": seconds,
        "count": count,
        "requests": len(requests),
        "queries": requests,
        "server": server,
        "rss": peak,
    }
    if debug:
        result["debug_requests"] = done.stderr.count("Making request for OperationModel(name=ListDistributions)")
    return result


# --- report ------------------------------------------------------------------------------


def summary(name, runs, calls):
    times = [run["seconds"] for run in runs]
    server = statistics.median(run["server"] for run in runs)
    return name, statistics.median(times), min(times), max(times), server, calls


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--distributions",
        default="1000",
        help="how many distributions moto holds; several (1000,10000) are run in turn on the same server",
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of each, alternately (5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds of each first (1)")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(n) for n in args.distributions.split(",")]
    except ValueError:
        parser.error("--distributions takes whole numbers separated by commas, e.g. 1000,10000")
    if min(args.sizes) < 1 or args.sizes != sorted(set(args.sizes)) or args.rounds < 1 or args.warmup < 0:
        parser.error("--distributions must be increasing and at least 1, --rounds at least 1, --warmup at least 0")
    if not TIME.exists():
        parser.error("/usr/bin/time is needed for the peak memory (apt-get install time)")

    for key in list(os.environ):
        if key.startswith("AWS_"):
            del os.environ[key]
    os.environ.update(AWS_ENV)

    sys.stdout.reconfigure(line_buffering=True)
    cli_version = ensure_awscli()
    server, counter, endpoint = start_moto()
    log(f"moto server at {endpoint}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
            return bench_sizes(args, cli_version, counter, endpoint, tmp)
    finally:
        server.stop()


def bench_sizes(args, cli_version, counter, endpoint, tmp):
    """Each size in turn on the same server and database; then the sizes side by side (time, peak memory)."""
    database_url = f"sqlite:///{tmp}/bench.sqlite3"
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=PROJECT,
        env=child_env(endpoint, database_url),
        capture_output=True,
        text=True,
    )
    if migrate.returncode != 0:
        raise BenchError(f"migrate failed: {migrate.stderr.strip()[-2000:]}")
    made, results, status = 0, [], 0
    for n in args.sizes:
        log(f"Creating distributions {made}..{n - 1} on moto (not measured) …")
        created = create_distributions(endpoint, made, n)
        made = n
        status = max(status, bench(args, n, created, cli_version, counter, endpoint, database_url, results))
    print()
    print(f"### Sizes side by side (medians of {args.rounds} round(s); peak RSS = max resident memory of the process)")
    print()
    print("| N | console s | CLI s | ratio | target ≤ 1.0 | console peak RSS MiB | CLI peak RSS MiB |")
    print("|--:|----------:|------:|------:|:-------------|---------------------:|-----------------:|")
    for r in results:
        verdict = "MET" if r["ratio"] <= TARGET_RATIO else "NOT MET"
        print(
            f"| {r['n']:,} | {r['sync']:.2f} | {r['cli']:.2f} | {r['ratio']:.2f}× | {verdict} "
            f"| {r['sync_rss']:.1f} | {r['cli_rss']:.1f} |"
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = last["sync_rss"] / first["sync_rss"] - 1
        cli_growth = last["cli_rss"] / first["cli_rss"] - 1
        print()
        print(
            f"Console peak memory from {first['n']:,} to {last['n']:,}: {growth:+.0%} "
            f"({first['sync_rss']:.1f} → {last['sync_rss']:.1f} MiB); target flat (≤ {FLAT_GROWTH:.0%}): "
            f"{'MET' if growth <= FLAT_GROWTH else 'NOT MET'}. The AWS CLI, which holds the whole list: "
            f"{cli_growth:+.0%} ({first['cli_rss']:.1f} → {last['cli_rss']:.1f} MiB)."
        )
    return status


def bench(args, n, created, cli_version, counter, endpoint, database_url, results):
    create_seconds, first_page, max_items = created
    page_size = first_page if n > first_page else max_items or 100
    pages = math.ceil(n / page_size)
    log(f"{n} distributions; moto returns {first_page} per page (MaxItems {max_items})")
    sync_env = child_env(endpoint, database_url)
    cli_env = child_env(endpoint)

    # Once with --debug, untimed: the CLI's own count of its ListDistributions requests.
    debug = run_cli(endpoint, cli_env, counter, debug=True)
    log(
        f"aws --debug: {debug['debug_requests']} ListDistributions request(s) logged, "
        f"{debug['requests']} seen by the server"
    )

    for w in range(args.warmup):
        log(f"warm-up {w + 1}/{args.warmup}")
        run_sync(sync_env, counter)
        run_cli(endpoint, cli_env, counter)

    syncs, clis = [], []
    for r in range(args.rounds):
        # Alternate which goes first so that neither always follows the other.
        order = ("sync", "cli") if r % 2 == 0 else ("cli", "sync")
        for which in order:
            if which == "sync":
                syncs.append(run_sync(sync_env, counter))
            else:
                clis.append(run_cli(endpoint, cli_env, counter))
        log(f"round {r + 1}/{args.rounds}: console {syncs[-1]['seconds']:.2f} s, CLI {clis[-1]['seconds']:.2f} s")

    errors = []
    for run in syncs:
        if run["count"] != n:
            errors.append(f"sync_distributions mirrored {run['count']}, not {n}")
        if run["calls"] != run["requests"]:
            errors.append(f"sync_distributions reported {run['calls']} call(s) but the server saw {run['requests']}")
    for run in clis:
        if run["count"] != n:
            errors.append(f"aws list-distributions returned {run['count']} distributions, not {n}")
    if debug["count"] != n:
        errors.append(f"aws --debug returned {debug['count']} distributions, not {n}")
    if debug["debug_requests"] != debug["requests"]:
        errors.append(f"aws --debug logged {debug['debug_requests']} requests but the server saw {debug['requests']}")

    sync_calls = sorted({run["calls"] for run in syncs})
    cli_pages = sorted({run["requests"] for run in clis})
    rows = [
        summary("console sync_distributions", syncs, ", ".join(map(str, sync_calls))),
        summary("aws cloudfront list-distributions", clis, ", ".join(map(str, cli_pages))),
    ]
    ratio = rows[0][1] / rows[1][1]
    inside = statistics.median(run["inside"] for run in syncs)
    sync_queries = sorted({q or "(none)" for run in syncs for q in run["queries"]})
    cli_queries = sorted({q or "(none)" for run in clis for q in run["queries"]})

    def param(queries, name):
        values = {v for q in queries for v in parse_qs(q).get(name, [])}
        return ", ".join(sorted(values)) or "not sent"

    print()
    print(f"Date:     {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(
        f"Machine:  {os.cpu_count()} CPU(s) (nproc {len(os.sched_getaffinity(0))}), {platform.platform()}, "
        f"Python {platform.python_version()}"
    )
    print(
        f"Versions: {cli_version}; boto3 {version('boto3')}, moto {version('moto')}, Django {version('django')} "
        f"(console)"
    )
    print(
        f"Server:   moto {endpoint}, {n} distributions (3 origins, 4 cache behaviors each), "
        f"the last {created_count(results, n)} created in {create_seconds:.1f} s (not measured)"
    )
    print(
        f"Pages:    moto returns {page_size} per page → ceil({n}/{page_size}) = {pages} page(s); "
        f"MaxItems sent by console: {param(sync_queries, 'MaxItems')}, by CLI: {param(cli_queries, 'MaxItems')}; "
        f"CLI --debug run logged {debug['debug_requests']} ListDistributions request(s)"
    )
    print(
        f"Rounds:   {args.rounds} timed (+{args.warmup} warm-up), alternating; wall clock of the whole process; "
        f"'moto s' = median time the server spent answering that run's ListDistributions pages"
    )
    print()
    peaks = [max(run["rss"] for run in syncs), max(run["rss"] for run in clis)]
    print(f"| {'command':<33} | median s | min s | max s | of which moto s | API calls / pages | peak RSS MiB |")
    print(f"|{'-' * 35}|---------:|------:|------:|----------------:|------------------:|-------------:|")
    for (name, median, low, high, server, calls), peak in zip(rows, peaks, strict=True):
        print(
            f"| {name:<33} | {median:>8.2f} | {low:>5.2f} | {high:>5.2f} | {server:>15.2f} | {calls:>17} "
            f"| {peak:>12.1f} |"
        )
    results.append({"n": n, "sync": rows[0][1], "cli": rows[1][1], "ratio": ratio, "sync_rss": peaks[0],
                    "cli_rss": peaks[1]})  # fmt: skip
    print()
    print(
        f"Ratio console/CLI (medians): {ratio:.2f}×  (console's own timer, inside the process: median {inside:.2f} s)"
    )
    calls_ok = sync_calls == [pages] and cli_pages == [pages]
    print(
        f"Target calls == pages ({pages}): {'MET' if calls_ok else 'NOT MET'} "
        f"(console {'/'.join(map(str, sync_calls))}, CLI {'/'.join(map(str, cli_pages))})"
    )
    print(f"Target ratio <= {TARGET_RATIO}: {'MET' if ratio <= TARGET_RATIO else 'NOT MET'} ({ratio:.2f})")
    if errors:
        print()
        for error in sorted(set(errors)):
            print(f"ERROR: {error}")
        return 1
    return 0


def created_count(results, n):
    return n - (results[-1]["n"] if results else 0)


def version(package):
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    try:
        return _version(package)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BenchError, subprocess.CalledProcessError) as exc:
        log(f"bench failed: {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
