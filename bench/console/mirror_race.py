#!/usr/bin/env python
"""Reproducer (not a benchmark): the mirror can be left at an OLDER version than the backend.

``mirror.sync_distribution`` reads the backend, then writes the mirror in a
second step, with nothing ordering the two against a push's own ``mirror()``.
A page view that read version N can therefore overwrite the mirror after a push
already mirrored N+1: the backend holds N+1, the mirror (list page, "HTTPS
required", fleet questions) shows N until the distribution is next opened.

Here 3 threads sync one distribution in a loop while a 4th pushes 60 changes
(``publish.push_config``, as Yes, Edit does); after each trial it compares the
mirror's ETag and policy with the backend's. Uses a throw-away database
``NAME_race`` next to the one given.

    .venv/bin/python bench/console/mirror_race.py [--database postgres://console:console@127.0.0.1:5432/console]
"""

import argparse
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="postgres://console:console@127.0.0.1:5432/console")
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    import psycopg

    parts = urlsplit(args.database)
    name = f"{parts.path.lstrip('/') or 'console'}_race"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        {
            "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}")),
            "DJANGO_SETTINGS_MODULE": "console.settings",
            "CONSOLE_SIMULATOR_DEPLOY_SECONDS": "0",
        }
    )
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from distributions import mirror, publish
    from distributions.cloudfront import config as cfg
    from distributions.models import CacheBehavior, Distribution
    from distributions.sandbox.models import SimulatedDistribution
    from distributions.sandbox.simulator import SimulatorBackend
    from tests.factories import distribution_config

    try:
        call_command("migrate", verbosity=0)
        simulator = SimulatorBackend()
        distribution_id = publish.import_distribution(
            distribution_config([(f"/p{i}/*", "allow-all") for i in range(5)]), simulator
        ).id
        stop = threading.Event()

        def viewer():
            while not stop.is_set():
                mirror.sync_distribution(distribution_id, simulator)
            connections.close_all()

        def pusher():
            for i in range(60):
                config, etag = simulator.get_distribution_config(distribution_id)
                edited = cfg.set_viewer_protocol_policy(config, ["/p0/*"], ["redirect-to-https", "https-only"][i % 2])
                publish.push_config(
                    distribution_id, config, etag, edited, action="race", summary="race", backend=simulator
                )
            connections.close_all()

        stale = 0
        for trial in range(args.trials):
            stop.clear()
            threads = [threading.Thread(target=viewer) for _ in range(3)]
            for thread in threads:
                thread.start()
            pushing = threading.Thread(target=pusher)
            pushing.start()
            pushing.join()
            stop.set()
            for thread in threads:
                thread.join()
            backend = SimulatedDistribution.objects.get(pk=distribution_id)
            row = Distribution.objects.get(pk=distribution_id)  # not named mirror: the viewers use the module
            mirrored = CacheBehavior.objects.get(distribution=row, path_pattern="/p0/*").viewer_protocol_policy
            held = backend.config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"]
            is_stale = row.etag != backend.etag
            stale += is_stale
            print(
                f"trial {trial}: backend {backend.etag} {held:18} mirror {row.etag} {mirrored:18}"
                f"{'STALE' if is_stale else ''}"
            )
        print(f"{stale} of {args.trials} trials left the mirror at an older version than the backend")
    finally:
        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
