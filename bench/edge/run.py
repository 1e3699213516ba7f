#!/usr/bin/env python
"""Benchmark: the sandbox edge's 301 against nginx returning the same 301.

Sets up a throw-away database and edge state directory, creates one distribution
whose default behavior is Redirect HTTP to HTTPS, starts ``manage.py runedge`` and
an nginx configured to answer the same 301 (same Location, same CloudFront-like
headers and body), then runs wrk against each, alternately, for several rounds,
and prints the median requests per second of each and the ratio edge/nginx.

    .venv/bin/python bench/edge/run.py [--rounds 5] [--seconds 5] [--connections 64]
                                       [--workers N] [--threads 1]

Needs ``wrk`` and ``nginx`` (``apt-get install -y wrk nginx``). Both servers share
the machine's cores with wrk: expect run-to-run noise of tens of percent, hence
the alternation and the medians. Exits 0 whether or not the target holds.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent.parent
PYTHON = sys.executable
TARGET_RATIO = 0.30
PATH = "/products/42?ref=bench"

NGINX_CONF = """
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    server_tokens off;
    default_type text/html;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port} reuseport;
        error_page 301 /301.html;
        location = /301.html {{ internal; root {tmp}; }}
        location / {{
            add_header X-Cache "Redirect from cloudfront" always;
            add_header Via "1.1 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)" always;
            add_header X-Amz-Cf-Pop "SBX50-P1" always;
            add_header X-Amz-Cf-Id $request_id always;
            return 301 https://$host:8443$request_uri;
        }}
    }}
}}
"""
REDIRECT_BODY = (
    b"<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n"
    b"<center><h1>301 Moved Permanently</h1></center>\r\n<hr><center>CloudFront</center>\r\n</body>\r\n</html>\r\n"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, cwd=PROJECT, env=env, check=True, capture_output=True, text=True, **kwargs)


def setup(tmp, env):
    run([PYTHON, "manage.py", "migrate", "-v0"], env)
    script = (
        "import json, sys\n"
        "from distributions import publish\n"
        "from distributions.sandbox.simulator import SimulatorBackend\n"
        "from distributions.sandbox.fixtures import sandbox_configs\n"
        "from distributions.models import SimulatedDistribution\n"
        "config = next(c for c in sandbox_configs() if c['CallerReference'] == 'sandbox-large-catalog')\n"
        "config['CallerReference'] = 'bench-edge'\n"
        "config['DefaultCacheBehavior']['ViewerProtocolPolicy'] = 'redirect-to-https'\n"
        "row = publish.import_distribution(config, SimulatorBackend())\n"
        "SimulatedDistribution.objects.filter(pk=row.id).update(status='Deployed', deployed_config=config)\n"
        "print(row.domain_name)\n"
    )
    return run([PYTHON, "manage.py", "shell", "-c", script], env).stdout.strip().splitlines()[-1]


def wrk(port, host, seconds, connections, threads):
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            f"Host: {host}",
            f"http://127.0.0.1:{port}{PATH}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_3xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if non_3xx or errors:
        print(f"    warning: {non_3xx.group(0) if non_3xx else ''} {errors.group(0) if errors else ''}".rstrip())
    return rps


def check_301(port, host):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"GET {PATH} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith("HTTP/1.1 301"), head
    location = re.search(r"(?im)^location: (.*)$", head).group(1).strip()
    assert location == f"https://{host}:8443{PATH}", location
    return head


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes of runedge and of nginx (default: one per CPU, nginx's 'auto')",
    )
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install -y wrk nginx")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"

    with tempfile.TemporaryDirectory(prefix="bench-edge-") as tmp:
        os.chmod(tmp, 0o755)  # nginx workers run as an unprivileged user and read 301.html here
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "CONSOLE_EDGE_STATE_DIR": f"{tmp}/edge",
            "DJANGO_SETTINGS_MODULE": "bench.edge.settings",
            "PYTHONPATH": str(PROJECT),
            "CONSOLE_SIMULATOR_DEPLOY_SECONDS": "0",
        }
        host = setup(tmp, env)
        edge_port, nginx_port = free_port(), free_port()
        (Path(tmp) / "301.html").write_bytes(REDIRECT_BODY)
        (Path(tmp) / "nginx.conf").write_text(NGINX_CONF.format(workers=args.workers, tmp=tmp, port=nginx_port))
        processes = []
        try:
            processes.append(
                subprocess.Popen(
                    [
                        PYTHON,
                        "manage.py",
                        "runedge",
                        "--http-port",
                        str(edge_port),
                        "--https-port",
                        "8443",
                        "--no-origin",
                        "--workers",
                        str(args.workers),
                    ],
                    cwd=PROJECT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            processes.append(
                subprocess.Popen(
                    [nginx, "-c", f"{tmp}/nginx.conf", "-p", tmp],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            wait_for(edge_port)
            wait_for(nginx_port)
            check_301(edge_port, host)
            check_301(nginx_port, host)
            print(f"301 for http://{host}{PATH} (the large catalog: 22 behaviors, default redirect-to-https)")
            print(
                f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rounds} rounds, alternating; "
                f"{args.workers} worker process(es) each; {os.cpu_count()} CPUs"
            )
            results = {"runedge": [], "nginx": []}
            wrk(edge_port, host, 1, args.connections, args.threads)  # warm-up
            wrk(nginx_port, host, 1, args.connections, args.threads)
            for number in range(1, args.rounds + 1):
                order = [("runedge", edge_port), ("nginx", nginx_port)]
                if number % 2 == 0:
                    order.reverse()
                for name, port in order:
                    rps = wrk(port, host, args.seconds, args.connections, args.threads)
                    results[name].append(rps)
                    print(f"  round {number} {name:8} {rps:>10,.0f} req/s")
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        edge, ngx = statistics.median(results["runedge"]), statistics.median(results["nginx"])
        ratio = edge / ngx
        print(
            f"median  runedge {edge:>10,.0f} req/s  (min {min(results['runedge']):,.0f}, "
            f"max {max(results['runedge']):,.0f})"
        )
        print(
            f"median  nginx   {ngx:>10,.0f} req/s  (min {min(results['nginx']):,.0f}, max {max(results['nginx']):,.0f})"
        )
        verdict = "holds" if ratio >= TARGET_RATIO else "MISSED"
        print(f"ratio runedge/nginx = {ratio:.2f} (target >= {TARGET_RATIO:.2f}: {verdict})")


if __name__ == "__main__":
    main()
