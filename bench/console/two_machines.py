#!/usr/bin/env python
"""Two web machines and two workers on one PostgreSQL: no lost update, every task run once (issue #15 item 4).

    .venv/bin/python bench/console/two_machines.py --database postgres://console:console@127.0.0.1:5432/console
                                                   [--clients 50] [--workers-per-server 2] [--keep]

The console as it is deployed on more than one machine: two ``gunicorn
console.wsgi`` instances (each its own port and workers: "machine A" and
"machine B", ``DJANGO_DEBUG=false``) and two ``manage.py db_worker`` processes,
all with ``CONSOLE_TASKS_BACKEND=database`` against one fresh PostgreSQL
database ``NAME_machines`` (created, and dropped at the end).

The 50-concurrent-edit scenario of ``tests/test_concurrency.py``, split across the
machines: 50 signed-in users (even ones on A, odd ones on B) open the edit page
of one distribution at today's quotas (75 behaviors + the default) and press
Yes, Edit at once. Then every user who met the conflict page starts again from
its link and presses Yes, Edit again, all of them at once, round after round,
until every edit is applied. Each push queues a deployment poll for the workers.

It proves, and exits 1 when it does not hold:
- every response is a 302 (applied) or the 409 conflict page; no 5xx, no traceback in any log;
- no lost update: the applied pushes form one chain of ETags, each edit applied once, and the
  stored config is exactly their fold (``check_final`` of the concurrency test);
- every task run once: each queued task ended SUCCESSFUL with exactly one worker id (a claim is
  ``SELECT … FOR UPDATE SKIP LOCKED``), one deployment poll queued per push, and both workers worked;
- the mirror ends at the backend's ETag and policies, Deployed.

A proof, not a timing: the figures it prints (rounds, requests, seconds) only describe the run.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import PROJECT, VENV_BIN, log, table
from run import bench_database, fleet_config, server_env

TIMEOUT = 120


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""), help="postgres://…/NAME")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers-per-server", type=int, default=2, help="gunicorn workers of each machine")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        raise SystemExit("two_machines.py needs PostgreSQL: --database postgres://user:password@host:port/NAME")
    return args


def start(command, env, log_path):
    out = open(log_path, "w")  # noqa: SIM115 (closed in stop)
    return subprocess.Popen(command, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT), out


def stop(process, out):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    out.close()


class BrowserEditor:
    """test_concurrency's Editor with a browser's cookie rule: the Secure cookies of a DEBUG=false console
    are kept by hand (httpx keeps them to itself over plain HTTP)."""

    def __init__(self, editor_class, base_url, session, pattern, policy):
        self.editor = editor_class(base_url, session, pattern, policy)
        self.editor.http.event_hooks["response"] = [self._keep_cookies]

    def _keep_cookies(self, response):
        for name, value in response.cookies.items():
            self.editor.http.cookies.set(name, value)

    def __getattr__(self, name):
        return getattr(self.editor, name)


def race_until_applied(editors, distribution_id, outcome, restart_link, responses):
    """Conflicted users start again from their conflict page, all at once, until every edit is applied."""
    rounds, requests = 1, 2 * len(editors)
    pending = {n: r for n, r in enumerate(responses) if outcome(r, distribution_id) == "conflict"}
    while pending:
        rounds += 1
        barrier = threading.Barrier(len(pending), timeout=TIMEOUT)

        def one(item, barrier=barrier):
            n, response = item
            editor = editors[n]
            editor.open_edit_page(distribution_id, restart_link(response, editor))
            barrier.wait()
            return n, editor.yes_edit(distribution_id)

        with ThreadPoolExecutor(max_workers=len(pending)) as pool:
            answers = list(pool.map(one, pending.items()))
        requests += 2 * len(answers)
        applied = [n for n, r in answers if outcome(r, distribution_id) == "applied"]
        if not applied:
            raise SystemExit(f"round {rounds}: {len(answers)} pushes and none applied")
        pending = {n: r for n, r in answers if n not in applied}
    return rounds, requests


def wait_for_workers(distribution_id):
    """Until no task is queued or running and the mirror says Deployed."""
    from django_tasks_db.models import DBTaskResult

    from distributions.models import Distribution

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        busy = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
        if not busy and Distribution.objects.get(pk=distribution_id).status == "Deployed":
            return
        time.sleep(1)
    raise SystemExit("the workers did not drain the queue within 120 s")


def check_tasks(pushes):
    """Every task SUCCESSFUL with one worker id; one first poll per push; both workers used. Rows of a table."""
    from django_tasks_db.models import DBTaskResult

    tasks = list(DBTaskResult.objects.values("task_path", "status", "worker_ids", "args_kwargs"))
    twice = [t for t in tasks if len(t["worker_ids"]) != 1]
    failed = [t for t in tasks if t["status"] != "SUCCESSFUL"]
    first_polls = [
        t for t in tasks if t["task_path"].endswith("poll_deployment") and len(t["args_kwargs"]["args"]) == 1
    ]
    by_worker = {}
    for t in tasks:
        for worker in t["worker_ids"]:
            by_worker[worker] = by_worker.get(worker, 0) + 1
    problems = []
    if twice:
        problems.append(f"{len(twice)} task(s) claimed by more than one worker (or none): {twice[:3]}")
    if failed:
        problems.append(f"{len(failed)} task(s) not SUCCESSFUL: {failed[:3]}")
    if len(first_polls) != pushes:
        problems.append(f"{len(first_polls)} first deployment polls for {pushes} pushes")
    if len(by_worker) < 2:
        problems.append(f"only {len(by_worker)} worker ran tasks: {by_worker}")
    return tasks, by_worker, problems


def prepare(clients):
    """The quota distribution (75 behaviors + default, all allow-all) and one session per client."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from distributions import mirror, publish
    from distributions.sandbox.models import SimulatedDistribution

    config = fleet_config("two machines", 75, 2)
    row = publish.import_distribution(config)
    mirror.sync_distribution(row.id)
    stored = SimulatedDistribution.objects.get(pk=row.id)
    sessions = []
    for n in range(clients):
        client = Client()
        client.force_login(get_user_model().objects.create_user(f"editor{n:02d}", password=None))
        sessions.append(client.cookies["sessionid"].value)
    return row.id, stored.config, stored.etag, sessions


def scenario(args, urls):
    """The 50-concurrent-edit scenario across both machines; the figures and the problems found."""
    from distributions.models import AuditEntry, AuditOutcome, CacheBehavior, Distribution
    from distributions.sandbox.models import SimulatedDistribution
    from tests import test_concurrency as tc

    distribution_id, initial, initial_etag, sessions = prepare(args.clients)
    edits = tc.submissions(initial, args.clients)
    editors = [
        BrowserEditor(tc.Editor, urls[n % 2], session, *edit)
        for n, (session, edit) in enumerate(zip(sessions, edits, strict=True))
    ]
    started = time.monotonic()
    try:
        responses = tc.race(editors, distribution_id)
        stored = SimulatedDistribution.objects.get(pk=distribution_id)
        tc.check_round_one(
            [(r, distribution_id) for r in responses], edits, initial, initial_etag, stored.config, stored.etag
        )
        rounds, requests = race_until_applied(editors, distribution_id, tc.outcome, tc.restart_link, responses)
    finally:
        for editor in editors:
            editor.close()
    edit_seconds = time.monotonic() - started
    wait_for_workers(distribution_id)
    stored.refresh_from_db()
    entries = AuditEntry.objects.filter(outcome=AuditOutcome.PUSHED).values("etag_before", "etag_after", "changes")
    pushes = tc.applied_edits(entries, initial)
    tc.check_final(edits, pushes, initial, initial_etag, stored.config, stored.etag)  # AssertionError when lost
    tasks, by_worker, problems = check_tasks(len(pushes))
    row = Distribution.objects.get(pk=distribution_id)
    policies = dict(
        CacheBehavior.objects.filter(distribution=row).values_list("path_pattern", "viewer_protocol_policy")
    )
    if row.etag != stored.etag or policies != {b["PathPattern"]: b["ViewerProtocolPolicy"] for b in _behaviors(stored)}:
        problems.append("the mirror differs from the backend")
    conflicts = AuditEntry.objects.filter(outcome=AuditOutcome.CONFLICT).count()
    figures = [
        ["users (A / B)", f"{args.clients} ({(args.clients + 1) // 2} / {args.clients // 2})"],
        ["rounds of simultaneous Yes, Edit", rounds],
        ["edit page GETs + Yes, Edit POSTs", requests],
        ["pushes applied (one ETag chain)", len(pushes)],
        ["conflict pages shown", conflicts],
        ["tasks queued and run", len(tasks)],
        ["tasks run by each worker", ", ".join(f"{w}: {n}" for w, n in sorted(by_worker.items()))],
        ["seconds of editing", f"{edit_seconds:.1f}"],
    ]
    return figures, problems


def _behaviors(stored):
    config = stored.config
    return [*config["CacheBehaviors"].get("Items", []), {**config["DefaultCacheBehavior"], "PathPattern": "*"}]


def main():
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="console-machines-"))
    database_url, drop = bench_database(args.database, tmp, "machines")
    env = {
        **server_env(database_url, tmp),
        "CONSOLE_TASKS_BACKEND": "database",
        "CONSOLE_SIMULATOR_DEPLOY_SECONDS": "2",
    }
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT))
    processes = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from load import free_port, wait_healthy

        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)  # DEBUG off: whitenoise's manifest
        full_env = {**os.environ, **env}
        urls = []
        for machine in ("a", "b"):
            port = free_port()
            command = [str(VENV_BIN / "gunicorn"), "console.wsgi", "--bind", f"127.0.0.1:{port}"]
            command += ["--workers", str(args.workers_per_server), "--timeout", "60"]
            processes.append(start(command, full_env, tmp / f"gunicorn-{machine}.log"))
            urls.append(f"http://127.0.0.1:{port}")
            worker = [sys.executable, "manage.py", "db_worker", "--worker-id", f"worker-{machine}"]
            processes.append(start(worker + ["--interval", "0.2"], full_env, tmp / f"db_worker-{machine}.log"))
        for url, (process, _) in zip(urls, processes[::2], strict=True):
            wait_healthy(url, process)
        log(f"two machines at {urls[0]} and {urls[1]}, two db_workers; {args.clients} users")
        figures, problems = scenario(args, urls)
    finally:
        for process, out in processes:
            stop(process, out)
        from django.db import connections

        connections.close_all()
    tracebacks = {p.name: p.read_text().count("Traceback") for p in sorted(tmp.glob("*.log"))}
    problems += [f"{name}: {n} traceback(s)" for name, n in tracebacks.items() if n]
    print("# Two machines, two workers, one PostgreSQL (issue #15 item 4)\n")
    print(table(["", "this run"], figures))
    print("\n" + ("Every check held: no lost update, every task run once." if not problems else "PROBLEMS:"))
    for problem in problems:
        print("-", problem)
    if args.keep:
        log(f"kept {tmp} and {database_url.split('@')[-1]}")
    else:
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
