#!/usr/bin/env python
"""Benchmark of the console's own pages: printed tables, not timed tests.

    .venv/bin/python bench/console/run.py [--database postgres://console:console@127.0.0.1:5432/console]
                                          [--sizes 100,1000,10000] [--repeat 9] [--edits 30]
                                          [--load-seconds 60] [--users 100] [--workers 2] [--threads 4] [--skip-load]

1. Distributions list against Django admin's changelist of the same table, at
   N = 100, 1,000 and 10,000 mirror rows (bulk-created: Distribution, 2 origins
   and 3 behaviors each; no simulator). SQL queries per page (must not grow with
   N) and server time (median of ``--repeat`` requests, the two pages
   alternating). Then the list page with k distributions In Progress.
2. Behaviors tab (and General tab, edit page) of a distribution with 25 cache
   behaviors and 25 origins, imported through the simulator.
3. Yes, Edit on the simulator: POST → 302 latency, median over ``--edits``.
4. Load: gunicorn (``make serve``'s shape: DJANGO_DEBUG=false, 2 workers x 4 threads)
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
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from common import PROJECT, log, ms, percentile, table

SECRET_KEY = "bench-" + secrets.token_hex(24)


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
    parser.add_argument("--users", default="100,300", help="locust users, one load run per number")
    parser.add_argument("--think", default="0.5,1.5", help="locust users' wait between tasks, MIN,MAX seconds")
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=10,
        help="users started per second (10: 100 users arrive over 10 s; the number of users: all in the first second)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (make serve's WORKERS)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (make serve's THREADS)")
    parser.add_argument("--fleet", type=int, default=20, help="simulated distributions the load browses and edits")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--sync",
        default="",
        metavar="N[,N…]",
        help="also run ../sync_vs_cli.py at these sizes (sync_distributions vs the AWS CLI on moto, "
        "time and peak memory) and print its tables as section 6; e.g. 1000,10000",
    )
    parser.add_argument("--sync-rounds", type=int, default=3, help="rounds of each size for --sync")
    parser.add_argument("--keep", action="store_true", help="keep the bench database and temporary folder")
    parser.add_argument("--show-sql", action="store_true", help="print the SQL of each page at the largest N")
    return parser.parse_args()


# The database


def bench_database(url, tmp, suffix="bench"):
    """(bench DATABASE_URL, drop function). PostgreSQL: a fresh NAME_<suffix> next to NAME."""
    if not url or url.startswith("sqlite"):
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "console"
    bench_name = f"{name}_{suffix}"
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


def settle():
    """On PostgreSQL, VACUUM ANALYZE after a bulk load: measure the table autovacuum keeps in steady state
    (fresh statistics; GIN trigram indexes' pending lists merged), not the minute after the load."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


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
        settle()
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
    largest = sizes[-1]
    worst = max(
        results[LIST_PAGES[i][0], largest][1] / results[LIST_PAGES[i + PAIRS][0], largest][1] for i in range(PAIRS)
    )
    print(
        f"- Target at N={largest:,}: every console page ≤ {TARGET_LIST_RATIO}× its admin page: "
        f"{'MET' if worst <= TARGET_LIST_RATIO else 'NOT MET'} (worst {worst:.2f}×). "
        "Baseline (issue #15, before): page 1 at 0.94× the admin at N=10,000, 7 queries + 10 per In Progress row."
    )
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


# CloudFront's quotas today (Developer Guide, "Quotas"; distributions/cloudfront/quotas.py).
QUOTA_BEHAVIORS, QUOTA_ORIGINS = 75, 100
# The targets, printed next to the figures (never asserted).
TARGET_LIST_RATIO, TARGET_BEHAVIORS_MS = 0.5, 30


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

    small = publish.import_distribution(fleet_config("small", 1, 1), simulator)
    distribution = publish.import_distribution(fleet_config("quota", QUOTA_BEHAVIORS, QUOTA_ORIGINS), simulator)
    for row in (small, distribution):
        mirror.sync_distribution(row.id, simulator)

    def urls_of(row):
        base = f"/distributions/{row.id}"
        return [
            ("Behaviors tab", f"{base}/behaviors/"),
            ("General tab", f"{base}/"),
            ("Origins tab", f"{base}/origins/"),
            ("edit page (GET, begins an edit)", f"{base}/behaviors/edit/?behavior=%2Fsection00%2F%2A"),
        ]

    urls, small_urls = urls_of(distribution), urls_of(small)
    base, edit_url = f"/distributions/{distribution.id}", urls[-1][1]
    # Expired edit snapshots are pruned at most every ten minutes per process (publish.py): prune now, so
    # that the three statements of that rare prune do not land on whichever page happens to be counted first.
    publish.purge_expired_snapshots()
    queries = {label: pages.queries(url) for label, url in urls}
    small_counts = {label: len(pages.queries(url)) for label, url in small_urls}
    times = pages.times([url for _, url in urls])
    print(
        f"\n## 2. A distribution with {QUOTA_BEHAVIORS} cache behaviors (+ default) and {QUOTA_ORIGINS} origins "
        "(today's quotas), simulator backend\n"
    )
    rows = [
        [label, small_counts[label], len(queries[label]), ms(times[url]), "≤ 30 ms" if label == "Behaviors tab" else ""]
        for label, url in urls
    ]
    print(table(["page", "queries at 1 behavior", f"queries at {QUOTA_BEHAVIORS + 1}", "ms", "target"], rows))
    behaviors_ms = times[urls[0][1]]
    constant = all(small_counts[label] == len(queries[label]) for label, _ in urls)
    print(
        f"\n- Behaviors tab {ms(behaviors_ms)} ms: target ≤ {TARGET_BEHAVIORS_MS} ms "
        f"{'MET' if behaviors_ms <= TARGET_BEHAVIORS_MS else 'NOT MET'}; queries independent of the number of "
        f"behaviors: {'MET' if constant else 'NOT MET'}. Baseline (issue #15, before): 15–17 ms at 25 behaviors "
        "under load, 14 queries and a rewrite of every behavior per view."
    )
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
            "behavior": f"/section{i % QUOTA_BEHAVIORS:02d}/*",
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


def bench_sync(sizes, rounds):
    """Section 6: ``sync_vs_cli.py`` in its own process (its own moto server and database), tables as it prints them."""
    sys.stdout.flush()
    print("\n## 6. sync_distributions vs `aws cloudfront list-distributions` (moto), time and peak memory\n")
    sys.stdout.flush()
    command = [
        sys.executable,
        str(PROJECT / "bench" / "sync_vs_cli.py"),
        "--distributions",
        sizes,
        "--rounds",
        str(rounds),
    ]
    if subprocess.run(command, cwd=PROJECT).returncode != 0:
        raise SystemExit("sync_vs_cli.py failed (its error is above)")


def machine():
    import django

    lines = [
        f"Date:     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"Machine:  {os.cpu_count()} CPU(s), {platform.platform()}, Python {platform.python_version()}",
    ]
    versions = [f"Django {django.get_version()}"]
    for package in ("gunicorn", "psycopg"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            versions.append(f"{package} (not installed)")
    try:
        from load import locust_command

        versions.append(subprocess.run([locust_command(), "--version"], capture_output=True, text=True).stdout.strip())
    except SystemExit:
        versions.append("locust (not installed)")
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
            from load import bench_load

            bench_load(args, env, tmp, simulator, fleet_config)
        if args.sync:
            bench_sync(args.sync, args.sync_rounds)
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
