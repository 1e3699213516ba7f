#!/usr/bin/env python
"""Benchmark (issue 17): the HTTPS posture and the bulk plan at fleet scale.

On a throwaway SQLite database, mirrors N synthetic distributions (10,000 by
default; 3 behaviors each, one of them allow-all with POST, one ACME path)
straight into the mirror, then measures the posture (``fleet_posture``) and
the posture page (Django test client, signed in as an admin): server seconds
and queries. The plan needs each config from the backend, so it is measured on
``--plan`` simulated distributions (200 by default): seconds for the plan and
for applying it, and backend calls (GetDistributionConfig + UpdateDistribution).

Then, in AWS mode on moto (in-process, dummy credentials), it plans and applies
require_https on ``--moto`` distributions (200 by default) and prints the API
calls per operation, counted by botocore's own ``after-call`` events, next to
the issue's baseline (2 per distribution: one GetDistributionConfig, one
UpdateDistribution).

    PYTHONPATH=. .venv/bin/python bench/fleet.py [--distributions 10000] [--plan 200] [--moto 200]
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
    """(result, seconds, queries): queries counted by an execute wrapper, which has no cap (the debug
    query log keeps only the last 9,000)."""
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
    return result, seconds, queries


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
    plan_page(bulk, "plan page, before applying")
    _, seconds, queries = timed(lambda: apply_plan(bulk, None, backend=backend))
    print(f"apply, {count} distributions: {tally(bulk)} (done, skipped), {seconds:.2f} s, {queries} queries")
    plan_page(bulk, "plan page, applied")


def plan_page(bulk, label):
    """The plan page of ``bulk`` as an admin sees it: server seconds and queries."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = get_user_model().objects.filter(username="bench").first()
    admin = admin or get_user_model().objects.create_superuser("bench", password="bench")
    client = Client()
    client.force_login(admin)
    response, seconds, queries = timed(lambda: client.get(f"/distributions/https-posture/plans/{bulk.pk}/"))
    print(
        f"{label} ({len(bulk.plan)} distributions): HTTP {response.status_code}, "
        f"{len(response.content) / 1e6:.1f} MB, {seconds:.2f} s, {queries} queries"
    )


DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def bench_moto(count):
    """require_https on ``count`` distributions in AWS mode (moto): seconds and API calls per operation."""
    from collections import Counter

    from moto import mock_aws

    from distributions import mirror
    from distributions.backends.aws import AwsBackend
    from distributions.fleet.models import BulkChange
    from distributions.fleet.plan import build_plan, candidate_ids
    from distributions.fleet.posture import fleet_posture
    from distributions.fleet.runner import apply_plan, tally
    from distributions.models import Distribution
    from tests.factories import ALL_METHODS, distribution_config

    acme = "/.well-known/acme-challenge/*"
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDFRONT"):
        os.environ.pop(name, None)
    os.environ.update(DUMMY_AWS)
    Distribution.objects.all().delete()  # the posture part's rows are not on moto
    with mock_aws():
        backend = AwsBackend()
        calls = Counter()
        backend.client.meta.events.register("after-call.cloudfront", lambda model, **_: calls.update([model.name]))
        for n in range(count):
            config = distribution_config([(acme, "allow-all"), ("/api/*", "allow-all", ALL_METHODS)], comment=f"{n}")
            backend.create_distribution(config)
        mirror.sync_all(backend)
        ids = candidate_ids()
        calls.clear()
        plan, plan_seconds, plan_queries = timed(lambda: build_plan(None, ids, "https-only", [acme], backend=backend))
        planned = dict(calls)
        bulk = BulkChange.objects.create(username="(command line)", policy="https-only", plan=plan, confirmed=True)
        _, apply_seconds, apply_queries = timed(lambda: apply_plan(bulk, None, backend=backend))
        applied = {k: v - planned.get(k, 0) for k, v in calls.items() if v - planned.get(k, 0)}
        total = sum(calls.values())
        mirror.sync_all(backend)
        left = {b.path_pattern for b in fleet_posture(backend=backend).behaviors}
    print(f"moto (AWS mode), {len(ids)} distributions planned of {count} created:")
    print(f"  plan:  {plan_seconds:.2f} s ({plan_seconds / count * 1000:.1f} ms each), {plan_queries} queries, "
          f"API calls {planned}")  # fmt: skip
    print(f"  apply: {apply_seconds:.2f} s ({apply_seconds / count * 1000:.1f} ms each), {apply_queries} queries, "
          f"API calls {applied}, {tally(bulk)} (done, skipped)")  # fmt: skip
    verdict = "MET" if total == 2 * count else "NOT MET"
    print(f"  API calls: {total} = {total / count:g} per distribution; issue baseline 2 per distribution "
          f"({2 * count}): {verdict}")  # fmt: skip
    print(f"  posture afterwards (after a sync): behaviors still allowing HTTP: {sorted(left) or 'none'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distributions", type=int, default=10_000)
    parser.add_argument("--plan", type=int, default=200)
    parser.add_argument("--moto", type=int, default=200, help="distributions for the AWS-mode run on moto (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(Path(tmp) / "bench.sqlite3")
        if args.distributions:
            bench_posture(args.distributions)
        if args.plan:
            bench_plan(args.plan)
        if args.moto:
            bench_moto(args.moto)


if __name__ == "__main__":
    main()
