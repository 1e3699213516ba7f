#!/usr/bin/env python
"""Benchmark (issue 17): the HTTPS posture and the bulk plan at fleet scale.

On a throwaway SQLite database, mirrors N synthetic distributions (10,000 by
default; 3 behaviors each, one of them allow-all with POST, one ACME path)
straight into the mirror, then measures the posture (``fleet_posture``) and
the posture page (Django test client, signed in as an admin): server seconds
and queries. The plan needs each config from the backend, so it is measured on
``--plan`` simulated distributions (200 by default): seconds for the plan and
for applying it, and backend calls (GetDistributionConfig + UpdateDistribution).

    PYTHONPATH=. .venv/bin/python bench/fleet.py [--distributions 10000] [--plan 200]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def setup(database):
    sys.path.insert(0, str(PROJECT))
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    os.environ["CONSOLE_SIMULATOR_DEPLOY_SECONDS"] = "0"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def summaries(count):
    """ListDistributions-like summaries, enough for the mirror."""
    from tests.factories import ALL_METHODS, distribution_config

    for n in range(count):
        config = distribution_config(
            [("/.well-known/acme-challenge/*", "allow-all"), ("/api/*", "allow-all", ALL_METHODS)],
            default_policy="redirect-to-https" if n % 2 else "allow-all",
        )
        yield {"Id": f"EBENCH{n:08d}", "DomainName": f"d{n}.cloudfront.net", "Status": "Deployed", **config}


def timed(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
    return result, seconds, len(queries)


def bench_posture(count):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from distributions.fleet.posture import fleet_posture
    from distributions.mirror import mirror_many

    batch = list(summaries(count))
    for start in range(0, count, 1000):
        mirror_many(batch[start : start + 1000])
    posture, seconds, queries = timed(fleet_posture)
    print(
        f"posture, {count} distributions: {len(posture.behaviors)} HTTP behaviors, {seconds:.2f} s, {queries} queries"
    )
    admin = get_user_model().objects.create_superuser("bench", password="bench")
    client = Client()
    client.force_login(admin)
    response, seconds, queries = timed(lambda: client.get("/distributions/https-posture/"))
    print(
        f"posture page: HTTP {response.status_code}, {len(response.content) / 1e6:.1f} MB, {seconds:.2f} s, {queries} queries"
    )


def bench_plan(count):
    from distributions import publish
    from distributions.fleet.models import BulkChange
    from distributions.fleet.plan import build_plan
    from distributions.fleet.runner import apply_plan, tally
    from distributions.sandbox.simulator import SimulatorBackend
    from tests.factories import ALL_METHODS, distribution_config

    backend = SimulatorBackend()
    ids = [
        publish.import_distribution(distribution_config([("/api/*", "allow-all", ALL_METHODS)]), backend).id
        for _ in range(count)
    ]
    plan, seconds, queries = timed(lambda: build_plan(None, ids, "https-only", [], backend=backend))
    print(f"plan, {count} distributions: {seconds:.2f} s ({seconds / count * 1000:.1f} ms each), {queries} queries")
    bulk = BulkChange.objects.create(username="(command line)", policy="https-only", plan=plan, confirmed=True)
    _, seconds, queries = timed(lambda: apply_plan(bulk, None, backend=backend))
    print(f"apply, {count} distributions: {tally(bulk)} (done, skipped), {seconds:.2f} s, {queries} queries")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distributions", type=int, default=10_000)
    parser.add_argument("--plan", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(Path(tmp) / "bench.sqlite3")
        bench_posture(args.distributions)
        bench_plan(args.plan)


if __name__ == "__main__":
    main()
