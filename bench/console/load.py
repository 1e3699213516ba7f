"""Sections 4 and 5 of ``run.py``: locust users against gunicorn + whitenoise, and the workers' memory.

One fleet of simulated distributions and one set of signed-in users serve every
run; each user count (``--users 100,300``) gets a fresh gunicorn (``make serve``'s
shape: 2 workers x 4 threads, ``DJANGO_DEBUG=false``, static files from whitenoise) and its
own locust run. The tables of each run come first, then one table with every
run side by side with the issue's baseline and target.
"""

import csv
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import BENCH, PROJECT, VENV_BIN, cpu_line, cpu_snapshot, log, ms, percentile, table

# Issue #15's measurement before the work (PostgreSQL, 100 users, 30 s) and its targets.
BASELINE_100 = {"req/s": 88, "p50": 310, "p95": 440, "5xx": 0}
TARGET_P95_MS = {100: 200}

ROUTES = [
    ("edit POST", re.compile(r"^POST /distributions/\w+/behaviors/edit/")),
    ("edit GET", re.compile(r"^GET /distributions/\w+/behaviors/edit/")),
    ("behaviors", re.compile(r"^GET /distributions/\w+/behaviors/$")),
    ("general", re.compile(r"^GET /distributions/\w+/$")),
    ("list", re.compile(r"^GET /distributions/(\?.*)?$")),
    ("static", re.compile(r"^GET /static/")),
]


def locust_command():
    """The locust executable: next to this Python, else on PATH; one line and exit 2 when missing."""
    candidate = VENV_BIN / "locust"
    found = str(candidate) if candidate.exists() else shutil.which("locust")
    if not found:
        raise SystemExit("locust is not installed: `make bench-load` installs it (pip install locust)")
    return found


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


def measure_login(base_url, username, password, times=3):
    """Milliseconds of a real sign-in through /login/ (PBKDF2), median of a few; the load itself uses sessions."""
    import httpx

    samples = []
    for _ in range(times):
        with httpx.Client(base_url=base_url, timeout=60) as http:
            page = http.get("/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            start = time.perf_counter()
            answer = http.post(
                "/login/",
                data={"csrfmiddlewaretoken": token, "username": username, "password": password},
                headers={"Cookie": f"csrftoken={page.cookies.get('csrftoken')}"},
            )
            samples.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 302:
                raise SystemExit(f"login of {username} failed: {answer.status_code}")
    return statistics.median(samples)


def prepare(args, tmp, simulator, fleet_config, users):
    """The fleet the users browse and ``users`` signed-in sessions (Django's own login, no PBKDF2 each)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.test import Client

    from distributions import publish
    from distributions.cloudfront import config as cfg

    # Simulated distributions only (a mirror row without the simulator behind it disappears when its page
    # is opened); every 10th at today's quotas (75 behaviors, 100 origins), the others with 5 behaviors.
    fleet = []
    for n in range(args.fleet):
        big = n % 10 == 0
        row = publish.import_distribution(fleet_config(f"load {n}", 75 if big else 5, 100 if big else 2), simulator)
        patterns = [b.path_pattern for b in cfg.behaviors(simulator.get_distribution_config(row.id)[0])]
        fleet.append({"id": row.id, "behaviors": patterns})
    (tmp / "fleet.json").write_text(json.dumps(fleet))
    password = secrets.token_urlsafe(16)
    encoded = make_password(password)  # one PBKDF2 hash shared by all users: creating them stays fast
    User = get_user_model()
    accounts = User.objects.bulk_create([User(username=f"bench-user-{n:03d}", password=encoded) for n in range(users)])
    sessions = []
    for account in accounts:
        client = Client()
        client.force_login(account)
        sessions.append({"sessionid": client.cookies["sessionid"].value})
    (tmp / "sessions.json").write_text(json.dumps(sessions))
    return fleet, accounts[0].username, password


def start_gunicorn(args, env, tmp, tag):
    port = free_port()
    access_log = open(tmp / f"gunicorn-{tag}-access.log", "w")  # noqa: SIM115 (closed by stop_gunicorn)
    command = [
        str(VENV_BIN / "gunicorn"),
        "console.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--keep-alive",
        "75",  # make serve's KEEPALIVE
        "--backlog",
        "2048",
        "--access-logfile",
        "-",
        "--error-logfile",
        str(tmp / f"gunicorn-{tag}-error.log"),
        # make serve's access log, plus the time each request took inside gunicorn (%(L)s seconds)
        "--access-logformat",
        '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(L)s',
    ]
    full_env = {**os.environ, **env, "CONSOLE_SIMULATOR_DEPLOY_SECONDS": "5"}
    log("load: starting", " ".join(command))
    server = subprocess.Popen(command, cwd=PROJECT, env=full_env, stdout=access_log, stderr=subprocess.STDOUT)
    return server, access_log, f"http://127.0.0.1:{port}"


def stop_gunicorn(server, access_log):
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    access_log.close()


def run_locust(args, tmp, base_url, users, tag):
    status_file = tmp / f"status-{tag}.json"
    locust_env = {
        **os.environ,
        "BENCH_SESSIONS": str(tmp / "sessions.json"),
        "BENCH_FLEET": str(tmp / "fleet.json"),
        "BENCH_STATUS_FILE": str(status_file),
        "BENCH_THINK": args.think,
    }
    command = [
        locust_command(),
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "--only-summary",
        "--users",
        str(users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.load_seconds}s",
        "--host",
        base_url,
        "--csv",
        str(tmp / f"load-{tag}"),
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
    ]
    log(f"load: locust, {users} users for {args.load_seconds} s")
    started, children = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, cwd=tmp, env=locust_env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    args.locust_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    if not (tmp / f"load-{tag}_stats.csv").exists():
        raise SystemExit(f"locust failed ({result.returncode}):\n{result.stderr[-3000:]}")
    with open(tmp / f"load-{tag}_stats.csv") as f:
        stats = list(csv.DictReader(f))
    return stats, json.loads(status_file.read_text()), time.monotonic() - started


def one_run(args, env, tmp, users, login_user, password):
    """One gunicorn, one locust run of ``users``: its tables printed, its summary row returned."""
    tag = str(users)
    server, access_log, base_url = start_gunicorn(args, env, tmp, tag)
    try:
        wait_healthy(base_url, server)
        login_ms = measure_login(base_url, login_user, password)
        memory_before, cpu_before = worker_memory(server.pid), cpu_snapshot(server.pid)
        stats, counts, wall = run_locust(args, tmp, base_url, users, tag)
        memory_after, cpu_after = worker_memory(server.pid), cpu_snapshot(server.pid)
    finally:
        stop_gunicorn(server, access_log)
    by_code = {}
    for key, number in counts["status"].items():
        code = key.rsplit(" ", 1)[1]
        by_code[code] = by_code.get(code, 0) + number
    server_errors = sum(n for code, n in by_code.items() if code.startswith("5") or code == "0")
    error_log = tmp / f"gunicorn-{tag}-error.log"
    tracebacks = error_log.read_text().count("Traceback") if error_log.exists() else 0

    print(f"\n## 4. Load: {users} locust users browsing and editing for {args.load_seconds} s\n")
    print(
        f"Real sign-in through /login/ (PBKDF2): median {ms(login_ms)} ms of a worker, not part of the load; "
        "the users' sessions were made beforehand.\n"
    )
    rows = [
        [
            row["Name"] if row["Name"] != "Aggregated" else "**all requests**",
            row["Request Count"],
            f"{float(row['Requests/s']):.1f}",
            row["50%"],
            row["95%"],
            row["99%"],
            row["Failure Count"],
        ]
        for row in stats
    ]
    print("As the users saw it (locust; includes waiting for a free worker):\n")
    print(table(["request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "failures"], rows))
    served = server_times(tmp / f"gunicorn-{tag}-access.log")
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
        f"\nStatus codes: {json.dumps(dict(sorted(by_code.items())))} (0 = no answer); 5xx or no answer: "
        f"{server_errors} (target 0); tracebacks in gunicorn's error log: {tracebacks}; "
        f"Yes, Edit outcomes: {json.dumps(counts['outcomes'])}; locust wall time {wall:.0f} s."
    )
    timed = counts["page_ms"] or [[0, 0]]
    page_ms = [t for _, t in timed]
    ramp = users / args.spawn_rate
    steady = [t for at, t in timed if at >= ramp] or [0]
    print(
        f"\nEvery request but the static files (what the target is about): {len(page_ms)} requests, "
        f"p50 {ms(percentile(page_ms, 50))} ms, p95 {ms(percentile(page_ms, 95))} ms, "
        f"p99 {ms(percentile(page_ms, 99))} ms. Users arrived at {args.spawn_rate:g} a second (all there after "
        f"{ramp:.0f} s); from then on: {len(steady)} requests, p50 {ms(percentile(steady, 50))} ms, "
        f"p95 {ms(percentile(steady, 95))} ms."
    )
    print("\n" + cpu_line(cpu_before, cpu_after, len(served.get("all", [])), args.locust_cpu))
    print_memory(users, memory_before, memory_after)
    list_times = served.get("list", [0])
    return {
        "users": users,
        "req/s": len(page_ms) / args.load_seconds,
        "p50": percentile(page_ms, 50),
        "p95": percentile(page_ms, 95),
        "5xx": server_errors,
        "list p50": statistics.median(list_times),
        "load": f"{cpu_before[3]:.1f}–{cpu_after[3]:.1f}",
    }


def print_memory(users, before_list, after_list):
    print(f"\n## 5. Memory of the gunicorn workers, {users} users (RSS and PSS from /proc, MiB)\n")
    before = {pid: (rss, pss) for pid, rss, pss in before_list}
    rows = []
    for pid, rss, pss in after_list:
        b = before.get(pid)
        rows.append([pid, ms(b[0]) if b else "(new)", ms(rss), ms(b[1]) if b else "(new)", ms(pss)])
    print(table(["worker pid", "RSS before", "RSS after", "PSS before", "PSS after"], rows))
    if set(before) != {pid for pid, _, _ in after_list}:
        print("\nWorkers changed during the load (a worker was restarted: timeout or crash).")


def bench_load(args, env, tmp, simulator, fleet_config):
    """Every ``--users`` count in turn, then one side-by-side table with the issue's baseline and targets."""
    from distributions.models import Distribution

    counts = [int(n) for n in str(args.users).split(",")]
    locust_command()  # fail before the fleet is built when locust is missing
    fleet, login_user, password = prepare(args, tmp, simulator, fleet_config, max(counts))
    print(
        f"\nLoad setup: gunicorn console.wsgi, {args.workers} workers × {args.threads} thread(s), whitenoise for static files, "
        f"DJANGO_DEBUG=false, CONSOLE_SIMULATOR_DEPLOY_SECONDS=5; database {env['DATABASE_URL'].split('@')[-1]}; "
        f"fleet: {len(fleet)} simulated distributions (every 10th with 75 behaviors + 100 origins, the others 5) "
        f"plus {Distribution.objects.count() - len(fleet):,} mirror-only rows on the list; think time "
        f"{args.think.replace(',', '–')} s, {args.spawn_rate:g} users arriving a second; "
        f"locust on the same {os.cpu_count()} cores."
    )
    results = [one_run(args, env, tmp, users, login_user, password) for users in counts]
    print("\n## 4b. Load runs side by side (as the users saw it, static files left out)\n")
    rows = [
        ["issue #15 baseline (100 users, 30 s)", BASELINE_100["req/s"], BASELINE_100["p50"], BASELINE_100["p95"],
         BASELINE_100["5xx"], "62", "", "", ""]
    ]  # fmt: skip
    for r in results:
        target = TARGET_P95_MS.get(r["users"])
        verdict = ("MET" if r["p95"] <= target else "NOT MET") if target else ""
        rows.append(
            [
                f"this run ({r['users']} users, {args.load_seconds} s)",
                f"{r['req/s']:.1f}",
                ms(r["p50"]),
                ms(r["p95"]),
                r["5xx"],
                ms(r["list p50"]),
                r["load"],
                f"p95 ≤ {target} ms, 0 5xx" if target else "0 5xx",
                f"{verdict}{', ' if verdict else ''}{'0 5xx MET' if r['5xx'] == 0 else '5xx NOT MET'}",
            ]
        )
    print(
        table(["run", "req/s", "p50 ms", "p95 ms", "5xx", "list server p50 ms", "load avg", "target", "verdict"], rows)
    )
    sys.stdout.flush()
