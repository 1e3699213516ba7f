#!/usr/bin/env python
"""Benchmark of the console's own pages: printed tables, not timed tests.

    .venv/bin/python bench/console/run.py [--database postgres://console:console@127.0.0.1:5432/console]
                                          [--sizes 100,1000,10000] [--repeat 9] [--edits 30]
                                          [--load-seconds 60] [--users 100] [--workers 3] [--skip-load]

1. Distributions list against Django admin's changelist of the same table, at
   N = 100, 1,000 and 10,000 mirror rows (bulk-created: Distribution, 2 origins
   and 3 behaviors each; no simulator). SQL queries per page (must not grow with
   N) and server time (median of ``--repeat`` requests, the two pages
   alternating). Then the list page with k distributions In Progress.
2. Behaviors tab (and General tab, edit page) of a distribution with 25 cache
   behaviors and 25 origins, imported through the simulator.
3. Yes, Edit on the simulator: POST → 302 latency, median over ``--edits``.
4. Load: gunicorn (``make serve``'s shape: DJANGO_DEBUG=false, sync workers)
   on the same database, 100 locust users browsing and editing for
   ``--load-seconds``; requests/s, p50, p95, 5xx.
5. RSS (and PSS) of each gunicorn worker before and after the load.

Sections 1–3 run in this process with Django's test Client (server time =
``time.perf_counter`` around ``client.get``; queries from
``CaptureQueriesContext`` on separate, untimed requests), as a superuser.

The database: for ``postgres://…/NAME`` the script creates (and afterwards
drops) a database ``NAME_bench``, so NAME itself is never touched; for SQLite
(the default without ``--database`` or DATABASE_URL) a file in a temporary
folder. Static files are collected into that folder too.
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent.parent
VENV_BIN = Path(sys.executable).parent
SECRET_KEY = "bench-" + secrets.token_hex(24)


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", ""),
        help="postgres://user:password@host:port/NAME (NAME_bench is created and dropped); "
        "default: DATABASE_URL, else a SQLite file in a temporary folder",
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="numbers of distributions for the list pages")
    parser.add_argument("--repeat", type=int, default=9, help="timed requests per page (median reported)")
    parser.add_argument("--in-progress", default="0,50,500", help="In Progress distributions on the list page")
    parser.add_argument("--edits", type=int, default=30, help="Yes, Edit pushes timed")
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--think", default="0.5,1.5", help="locust users' wait between tasks, MIN,MAX seconds")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (make serve's WORKERS)")
    parser.add_argument("--fleet", type=int, default=20, help="simulated distributions the load browses and edits")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench database and temporary folder")
    parser.add_argument("--show-sql", action="store_true", help="print the SQL of each page at the largest N")
    return parser.parse_args()


# The database


def bench_database(url, tmp):
    """(bench DATABASE_URL, drop function). PostgreSQL: a fresh NAME_bench next to NAME."""
    if not url or url.startswith("sqlite"):
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "console"
    bench_name = f"{name}_bench"
    if not re.fullmatch(r"[A-Za-z0-9_]+", bench_name):
        sys.exit(f"unexpected database name {bench_name!r}")
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))

    def run(sql):
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{bench_name}"')
    return urlunsplit(parts._replace(path=f"/{bench_name}")), lambda: run(
        f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)'
    )


def server_env(database_url, tmp):
    return {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.console.settings",
        "CONSOLE_BENCH_STATIC_ROOT": str(tmp / "static"),
        "PYTHONPATH": str(PROJECT),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "CONSOLE_BACKEND": "simulator",
        "DJANGO_LOG_LEVEL": "ERROR",
    }


# Measuring a page in process


class Pages:
    def __init__(self, client, repeat):
        self.client, self.repeat = client, repeat

    def get(self, url, expect=200):
        response = self.client.get(url)
        if response.status_code != expect:
            raise SystemExit(f"GET {url} answered {response.status_code}, expected {expect}")
        return response

    def queries(self, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self.get(url)
        return [q["sql"] for q in captured.captured_queries]

    def times(self, urls):
        """Median milliseconds of each URL, the URLs alternating (one untimed warm-up each)."""
        samples = {url: [] for url in urls}
        for url in urls:
            self.get(url)
        for round_ in range(self.repeat):
            order = urls if round_ % 2 == 0 else list(reversed(urls))
            for url in order:
                start = time.perf_counter()
                self.get(url)
                samples[url].append((time.perf_counter() - start) * 1000)
        return {url: statistics.median(values) for url, values in samples.items()}


def table(headers, rows, align=None):
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values):
        out = []
        for value, width, a in zip(values, widths, align, strict=False):
            out.append(value.rjust(width) if a == "r" else value.ljust(width))
        return "| " + " | ".join(out) + " |"

    rule = (
        "|"
        + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2)) for w, a in zip(widths, align, strict=False))
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(r) for r in cells)])


def ms(value):
    return f"{value:.1f}"


# 1. The list pages


def add_mirror_rows(start, stop):
    """Mirror rows for distributions start..stop-1: no simulator behind them, all Deployed."""
    from django.utils import timezone as tz

    from distributions.models import CacheBehavior, Distribution, Origin

    now = tz.now()
    policies = ["allow-all", "redirect-to-https", "https-only"]
    for lo in range(start, stop, 2000):
        hi = min(stop, lo + 2000)
        rows, origins, behaviors = [], [], []
        for n in range(lo, hi):
            pk = f"EBENCH{n:08d}"
            aliases = [f"www{n}.example.com"] if n % 3 == 0 else []
            rows.append(
                Distribution(
                    id=pk,
                    arn=f"arn:aws:cloudfront::123456789012:distribution/{pk}",
                    domain_name=f"d{n:013d}.cloudfront.net",
                    comment=f"bench site {n}",
                    aliases=aliases,
                    aliases_text=" ".join(aliases),
                    status="Deployed",
                    enabled=n % 10 != 0,
                    last_modified=now,
                    price_class="PriceClass_All",
                    http_version="http2",
                    default_root_object="index.html",
                    certificate={"CloudFrontDefaultCertificate": True},
                    etag=f"E{n:013d}",
                    # The list fields mirror.list_fields stores (behaviors below: policies n, n+1, n+2 mod 3).
                    https_required=False,
                    behavior_count=3,
                    http_behavior_count=1,
                    origin_count=2,
                    origin_domains=[f"origin{p}-{n}.example.com" for p in range(2)],
                )
            )
            for position in range(2):
                origins.append(
                    Origin(
                        distribution_id=pk,
                        position=position,
                        origin_id=f"origin-{position}",
                        domain_name=f"origin{position}-{n}.example.com",
                        origin_type="Custom",
                        protocol_policy="https-only",
                        ssl_protocols=["TLSv1.2"],
                    )
                )
            for precedence, pattern in enumerate(["/images/*", "/api/*", "*"]):
                behaviors.append(
                    CacheBehavior(
                        distribution_id=pk,
                        precedence=precedence,
                        is_default=pattern == "*",
                        path_pattern=pattern,
                        target_origin_id=f"origin-{precedence % 2}",
                        viewer_protocol_policy=policies[(n + precedence) % 3],
                        allowed_methods=["GET", "HEAD"],
                    )
                )
        Distribution.objects.bulk_create(rows)
        Origin.objects.bulk_create(origins)
        CacheBehavior.objects.bulk_create(behaviors)


LIST_PAGES = [
    ("console list, page 1", "/distributions/"),
    ("console list, search", "/distributions/?q=site+4"),
    ("console list, sort by domain", "/distributions/?sort=domain&order=asc"),
    ("console list, HTTPS required: No", "/distributions/?https=no"),
    ("admin changelist, page 1", "/admin/distributions/distribution/"),
    ("admin changelist, search", "/admin/distributions/distribution/?q=site+4"),
    ("admin changelist, sort by domain", "/admin/distributions/distribution/?o=3"),
    ("admin changelist, https_required=0", "/admin/distributions/distribution/?https_required__exact=0"),
]
PAIRS = len(LIST_PAGES) // 2  # console page i is compared with admin page i + PAIRS


def bench_lists(pages, sizes, show_sql):
    from distributions.models import Distribution

    results = {}  # (label, N) -> (queries, ms)
    sql_at_max = {}
    made = 0
    for size in sizes:
        log(f"list pages: creating mirror rows up to {size:,}")
        add_mirror_rows(made, size)
        made = size
        assert Distribution.objects.count() == size
        counts = {label: pages.queries(url) for label, url in LIST_PAGES}
        times = pages.times([url for _, url in LIST_PAGES])
        for label, url in LIST_PAGES:
            results[label, size] = (len(counts[label]), times[url])
        sql_at_max = counts
    headers = ["page"] + [f"N={s:,} queries" for s in sizes] + [f"N={s:,} ms" for s in sizes]
    rows = []
    for label, _ in LIST_PAGES:
        rows.append([label] + [results[label, s][0] for s in sizes] + [ms(results[label, s][1]) for s in sizes])
    print("\n## 1. Distributions list vs Django admin changelist (same table), superuser\n")
    print(f"Server time = median of {pages.repeat} in-process requests (pages alternating); queries per request.\n")
    print(table(headers, rows))
    for size in sizes:
        ratios = []
        for i in range(PAIRS):
            console, admin = LIST_PAGES[i][0], LIST_PAGES[i + PAIRS][0]
            ratios.append(f"{console.split(', ')[1]} {results[console, size][1] / results[admin, size][1]:.2f}×")
        print(f"- N={size:,}: console/admin server time: {', '.join(ratios)} (console: 20 rows a page; admin: 100)")
    for label, _ in LIST_PAGES:
        counts = {results[label, s][0] for s in sizes}
        print(f"- {label}: queries {'constant' if len(counts) == 1 else 'NOT constant'} across N ({sorted(counts)})")
    if show_sql:
        for label, queries in sql_at_max.items():
            print(f"\n### SQL of {label} at N={sizes[-1]:,}\n")
            for sql in queries:
                print("-", sql[:400])
    return results


def bench_in_progress(pages, counts, simulator):
    """The list page when k distributions (with the simulator behind them) are In Progress."""
    from django.conf import settings

    from distributions import publish
    from distributions.models import Distribution
    from distributions.sandbox.models import SimulatedDistribution

    rows = []
    created = []
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 3600
    try:
        for k in counts:
            while len(created) < k:
                created.append(publish.import_distribution(fleet_config(len(created), 3), simulator).id)
            assert Distribution.objects.in_progress().count() == k
            queries = pages.queries("/distributions/")
            times = pages.times(["/distributions/"])
            rows.append([k, len(queries), ms(times["/distributions/"])])
    finally:
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 0
        SimulatedDistribution.objects.filter(pk__in=created).delete()
        Distribution.objects.filter(pk__in=created).delete()
    print("\n### List page with k distributions In Progress (same N as the last size above)\n")
    print("The list page reads the mirror only; In Progress rows are refreshed by the worker and the htmx badge.\n")
    print(table(["In Progress k", "queries", "ms"], rows))


# 2. and 3. One distribution at CloudFront's quotas, through the simulator


def fleet_config(n, behaviors, origins=2):
    from tests.factories import OriginFactory, distribution_config

    origin_list = [OriginFactory(Id=f"origin-{i}") for i in range(origins)]
    config = distribution_config(
        [(f"/section{i:02d}/*", "allow-all") for i in range(behaviors)],
        origins=origin_list,
        comment=f"bench fleet {n}",
    )
    for i, item in enumerate(config["CacheBehaviors"]["Items"]):
        item["TargetOriginId"] = origin_list[i % origins]["Id"]
    return config


def edit_form(body):
    etag = re.search(r'name="etag" value="([^"]+)"', body).group(1)
    return etag


def bench_quota_distribution(pages, simulator, edits, show_sql=False):
    from distributions import mirror, publish

    distribution = publish.import_distribution(fleet_config("quota", 25, 25), simulator)
    mirror.sync_distribution(distribution.id, simulator)
    base = f"/distributions/{distribution.id}"
    edit_url = f"{base}/behaviors/edit/?behavior=%2Fsection07%2F%2A"
    urls = [
        ("Behaviors tab", f"{base}/behaviors/"),
        ("General tab", f"{base}/"),
        ("Origins tab", f"{base}/origins/"),
        ("edit page (GET, begins an edit)", edit_url),
    ]
    queries = {label: pages.queries(url) for label, url in urls}
    counts = {label: len(q) for label, q in queries.items()}
    times = pages.times([url for _, url in urls])
    print("\n## 2. A distribution with 25 cache behaviors (+ default) and 25 origins, simulator backend\n")
    print(table(["page", "queries", "ms"], [[label, counts[label], ms(times[url])] for label, url in urls]))
    if show_sql:
        for label, sqls in queries.items():
            print(f"\n### SQL of {label}\n")
            for sql in sqls:
                print("-", sql[:400])

    # 3. Yes, Edit: POST → 302 on the simulator.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    policies = ["redirect-to-https", "https-only"]
    latencies, post_queries = [], None
    for i in range(edits + 1):
        etag = edit_form(pages.get(edit_url).content.decode())
        data = {
            "etag": etag,
            "behavior": f"/section{i % 25:02d}/*",
            "policy": policies[i % 2],
            "confirm_path_patterns": "on",
            "confirm_order": "on",
            "confirm_origins": "on",
        }
        url = f"{base}/behaviors/edit/"
        if i == 0:  # untimed: count its queries
            with CaptureQueriesContext(connection) as captured:
                response = pages.client.post(url, data)
            post_queries = len(captured.captured_queries)
        else:
            start = time.perf_counter()
            response = pages.client.post(url, data)
            latencies.append((time.perf_counter() - start) * 1000)
        if response.status_code != 302:
            raise SystemExit(f"Yes, Edit answered {response.status_code}: {response.content[:500]!r}")
    latencies.sort()
    p95 = percentile(latencies, 95)
    print("\n## 3. Yes, Edit on the simulator (POST → 302 to the Behaviors tab), same distribution\n")
    print(
        table(
            ["pushes", "queries per push", "median ms", "p95 ms", "min ms", "max ms"],
            [
                [
                    len(latencies),
                    post_queries,
                    ms(statistics.median(latencies)),
                    ms(p95),
                    ms(latencies[0]),
                    ms(latencies[-1]),
                ]
            ],
        )
    )


# 4. and 5. Load against gunicorn


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url, process, timeout=30):
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become healthy")


def worker_memory(master_pid):
    """[(pid, RSS MiB, PSS MiB)] of the master's children (the workers)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != master_pid:
                continue
            rss = int(re.search(r"VmRSS:\s+(\d+)", (entry / "status").read_text()).group(1)) / 1024
            pss = int(re.search(r"Pss:\s+(\d+)", (entry / "smaps_rollup").read_text()).group(1)) / 1024
        except (OSError, AttributeError, IndexError, ValueError):
            continue
        out.append((int(entry.name), rss, pss))
    return sorted(out)


ROUTES = [
    ("edit POST", re.compile(r"^POST /distributions/\w+/behaviors/edit/")),
    ("edit GET", re.compile(r"^GET /distributions/\w+/behaviors/edit/")),
    ("behaviors", re.compile(r"^GET /distributions/\w+/behaviors/$")),
    ("general", re.compile(r"^GET /distributions/\w+/$")),
    ("list", re.compile(r"^GET /distributions/(\?.*)?$")),
]


def percentile(values, pct):
    values = sorted(values)
    return values[max(0, int(round(pct / 100 * len(values))) - 1)]


def server_times(access_log):
    """Milliseconds per route from gunicorn's access log (login and health checks left out)."""
    times = {}
    pattern = re.compile(r'"(\w+ \S+) HTTP/[\d.]+" (\d+) \S+ ([\d.]+)$')
    for line in access_log.read_text().splitlines():
        match = pattern.search(line)
        if not match:
            continue
        request, seconds = match.group(1), float(match.group(3)) * 1000
        for route, regex in ROUTES:
            if regex.match(request):
                times.setdefault(route, []).append(seconds)
                times.setdefault("all", []).append(seconds)
                break
    return times


def login_all(base_url, usernames, password):
    """Sign every user in through the login page; their cookies (Secure, so kept by hand)."""
    import httpx

    def one(username):
        with httpx.Client(base_url=base_url, timeout=60, verify=False) as http:
            page = http.get("/login/")
            csrf = page.cookies.get("csrftoken")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            start = time.perf_counter()
            answer = http.post(
                "/login/",
                data={"csrfmiddlewaretoken": token, "username": username, "password": password},
                headers={"Cookie": f"csrftoken={csrf}"},
            )
            elapsed = (time.perf_counter() - start) * 1000
            session = answer.cookies.get("sessionid")
            if answer.status_code != 302 or not session:
                raise SystemExit(f"login of {username} failed: {answer.status_code}")
            return {"sessionid": session, "csrftoken": answer.cookies.get("csrftoken") or csrf}, elapsed

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, usernames))
    return [r[0] for r in results], [r[1] for r in results]


def bench_load(args, env, tmp, simulator):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from distributions import publish
    from distributions.cloudfront import config as cfg
    from distributions.models import Distribution

    # The fleet the users browse: simulated distributions only (a mirror row without the simulator
    # behind it disappears when its page is opened), plus the list's N rows for the list page.
    fleet = []
    for n in range(args.fleet):
        behaviors = 25 if n % 10 == 0 else 5
        row = publish.import_distribution(fleet_config(f"load {n}", behaviors, 25 if behaviors == 25 else 2), simulator)
        fleet.append(
            {
                "id": row.id,
                "behaviors": [b.path_pattern for b in cfg.behaviors(simulator.get_distribution_config(row.id)[0])],
            }
        )
    password = secrets.token_urlsafe(16)
    encoded = make_password(password)  # one PBKDF2 hash shared by all users: creating them stays fast
    User = get_user_model()
    usernames = [f"bench-user-{n:03d}" for n in range(args.users)]
    User.objects.bulk_create([User(username=u, password=encoded) for u in usernames])
    (tmp / "fleet.json").write_text(json.dumps(fleet))

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    access_log = open(tmp / "gunicorn-access.log", "w")  # noqa: SIM115 (closed when the server stops)
    error_log = tmp / "gunicorn-error.log"
    full_env = {**os.environ, **env, "CONSOLE_SIMULATOR_DEPLOY_SECONDS": "5"}
    command = [
        str(VENV_BIN / "gunicorn"),
        "console.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        "--error-logfile",
        str(error_log),
        # make serve's access log, plus the time each request took inside gunicorn (%(L)s seconds)
        "--access-logformat",
        '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(L)s',
    ]
    log("load: starting", " ".join(command))
    server = subprocess.Popen(command, cwd=PROJECT, env=full_env, stdout=access_log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(base_url, server)
        log(f"load: signing {args.users} users in through /login/")
        sessions, login_ms = login_all(base_url, usernames, password)
        (tmp / "sessions.json").write_text(json.dumps(sessions))
        memory_before = worker_memory(server.pid)
        status_file = tmp / "status.json"
        locust_env = {
            **os.environ,
            "BENCH_SESSIONS": str(tmp / "sessions.json"),
            "BENCH_FLEET": str(tmp / "fleet.json"),
            "BENCH_STATUS_FILE": str(status_file),
            "BENCH_THINK": args.think,
        }
        locust = [
            str(VENV_BIN / "locust"),
            "-f",
            str(BENCH / "locustfile.py"),
            "--headless",
            "--only-summary",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.users),
            "--run-time",
            f"{args.load_seconds}s",
            "--host",
            base_url,
            "--csv",
            str(tmp / "load"),
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "10",
        ]
        log(f"load: locust, {args.users} users for {args.load_seconds} s")
        started = time.monotonic()
        result = subprocess.run(locust, cwd=tmp, env=locust_env, capture_output=True, text=True)
        wall = time.monotonic() - started
        if not (tmp / "load_stats.csv").exists():
            raise SystemExit(f"locust failed ({result.returncode}):\n{result.stderr[-3000:]}")
        memory_after = worker_memory(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        access_log.close()

    import csv

    with open(tmp / "load_stats.csv") as f:
        stats = list(csv.DictReader(f))
    counts = json.loads(status_file.read_text())
    status_by_code = {}
    for key, number in counts["status"].items():
        code = key.rsplit(" ", 1)[1]
        status_by_code[code] = status_by_code.get(code, 0) + number
    server_errors = sum(n for code, n in status_by_code.items() if code.startswith("5"))
    errors_logged = error_log.read_text().count("Traceback") if error_log.exists() else 0

    print(f"\n## 4. Load: {args.users} locust users browsing and editing for {args.load_seconds} s\n")
    print(
        f"gunicorn console.wsgi, {args.workers} sync workers, DJANGO_DEBUG=false, "
        f"CONSOLE_SIMULATOR_DEPLOY_SECONDS=5; database {env['DATABASE_URL'].split('@')[-1]}; "
        f"fleet: {len(fleet)} simulated distributions (every 10th with 25 behaviors + 25 origins, the others 5) "
        f"plus {Distribution.objects.count() - len(fleet):,} mirror-only rows on the list; think time "
        f"{args.think.replace(',', '–')} s; locust in the same 2 cores. Users signed in through /login/ first "
        f"(login POST median {ms(statistics.median(login_ms))} ms, not part of the load).\n"
    )
    rows = []
    for row in stats:
        rows.append(
            [
                row["Name"] if row["Name"] != "Aggregated" else "**all requests**",
                row["Request Count"],
                f"{float(row['Requests/s']):.1f}",
                row["50%"],
                row["95%"],
                row["99%"],
                row["Failure Count"],
            ]
        )
    print("As the users saw it (locust; includes waiting for a free worker):\n")
    print(table(["request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "failures"], rows))
    served = server_times(tmp / "gunicorn-access.log")
    total = sum(served.get("all", [])) or 1
    rows = [
        [
            route,
            len(served[route]),
            ms(statistics.median(served[route])),
            ms(percentile(served[route], 95)),
            f"{100 * sum(served[route]) / total:.0f} %",
        ]
        for route, _ in ROUTES
        if route in served
    ]
    print("\nInside gunicorn (the access log's %(L)s: time a worker spent on each request):\n")
    print(table(["route", "requests", "server p50 ms", "server p95 ms", "share of worker time"], rows))
    print(
        f"\nStatus codes: {json.dumps(dict(sorted(status_by_code.items())))}; 5xx: {server_errors} "
        f"(target 0); tracebacks in gunicorn's error log: {errors_logged}; "
        f"Yes, Edit outcomes: {json.dumps(counts['outcomes'])}; locust wall time {wall:.0f} s."
    )

    print("\n## 5. Memory of the gunicorn workers (RSS and PSS from /proc, MiB)\n")
    before = {pid: (rss, pss) for pid, rss, pss in memory_before}
    mem_rows = []
    for pid, rss, pss in memory_after:
        b = before.get(pid)
        mem_rows.append([pid, ms(b[0]) if b else "(new)", ms(rss), ms(b[1]) if b else "(new)", ms(pss)])
    print(table(["worker pid", "RSS before", "RSS after", "PSS before", "PSS after"], mem_rows))
    if set(before) != {pid for pid, _, _ in memory_after}:
        print("\nWorkers changed during the load (a worker was restarted: timeout or crash).")


def machine():
    import django

    lines = [
        f"Date:     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"Machine:  {os.cpu_count()} CPU(s), {platform.platform()}, Python {platform.python_version()}",
    ]
    versions = [f"Django {django.get_version()}"]
    for package in ("gunicorn", "locust", "psycopg"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            versions.append(f"{package} (not installed)")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            versions.append(f"PostgreSQL {cursor.fetchone()[0]}")
    else:
        import sqlite3

        versions.append(f"SQLite {sqlite3.sqlite_version}")
    lines.append("Versions: " + ", ".join(versions))
    return "\n".join(lines)


def main():
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="console-bench-"))
    database_url, drop = bench_database(args.database, tmp)
    env = server_env(database_url, tmp)
    os.environ.update(env)
    os.environ["CONSOLE_SIMULATOR_DEPLOY_SECONDS"] = "0"
    sys.path.insert(0, str(PROJECT))
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        from distributions.sandbox.simulator import SimulatorBackend

        log(f"migrating {database_url.split('@')[-1]}")
        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)
        assert not settings.DEBUG
        print("# Console benchmark\n")
        print("```\n" + machine() + "\n```")
        admin = get_user_model().objects.create_superuser("bench-admin", "admin@example.com", None)
        client = Client()
        client.force_login(admin)
        pages = Pages(client, args.repeat)
        simulator = SimulatorBackend()
        sizes = [int(s) for s in args.sizes.split(",")]
        bench_lists(pages, sizes, args.show_sql)
        bench_in_progress(pages, [int(k) for k in args.in_progress.split(",")], simulator)
        bench_quota_distribution(pages, simulator, args.edits, args.show_sql)
        if not args.skip_load:
            bench_load(args, env, tmp, simulator)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            log(f"kept {tmp} and {database_url.split('@')[-1]}")
        else:
            drop()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
