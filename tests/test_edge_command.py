"""``manage.py runedge`` as users run it: a subprocess on free ports, over HTTP and HTTPS, stopped by SIGTERM."""

import os
import re
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .support import free_port

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = """
import os
from console.settings import *  # noqa
CONSOLE_EDGE_STATE_DIR = os.environ["CONSOLE_EDGE_STATE_DIR"]
CONSOLE_SIMULATOR_DEPLOY_SECONDS = 0
"""


@pytest.fixture
def env(tmp_path):
    (tmp_path / "edge_test_settings.py").write_text(SETTINGS)
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CONSOLE_EDGE_STATE_DIR": str(tmp_path / "edge"),
        "DJANGO_SETTINGS_MODULE": "edge_test_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
    }
    for command in (["migrate", "-v0"], ["load_sandbox"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment,
            check=True,
            capture_output=True,
            timeout=120,
        )
    return environment


def test_runedge_serves_the_sandbox_over_http_and_https_and_stops_on_sigterm(env, tmp_path):
    ports = [free_port() for _ in range(4)]
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runedge",
            "--http-port",
            str(ports[0]),
            "--https-port",
            str(ports[1]),
            "--origin-port",
            str(ports[2]),
            "--origin-https-port",
            str(ports[3]),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = ""
        while "Serving" not in banner:
            line = process.stdout.readline()
            assert line, process.stderr.read()
            banner += line
        ca_path = re.search(r"CA certificate:\s+(\S+)", banner).group(1)
        assert ca_path == str(tmp_path / "edge" / "ca.pem")
        context = ssl.create_default_context(cafile=ca_path)
        with httpx.Client(verify=context, trust_env=False, timeout=5) as client:
            deadline = time.monotonic() + 10
            while True:
                try:
                    answer = client.get(f"http://127.0.0.1:{ports[0]}/a?b=1", headers={"Host": "www.example.com"})
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
            assert answer.status_code == 301
            assert answer.headers["location"] == f"https://www.example.com:{ports[1]}/a?b=1"
            secure = client.get(
                f"https://127.0.0.1:{ports[1]}/a?b=1",
                headers={"Host": "www.example.com"},
                extensions={"sni_hostname": "www.example.com"},
            )
            assert secure.status_code == 200
            assert "origin: main-site (origin.example.com)" in secure.text
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=15)
    assert process.returncode == 0, errors
    assert "Traceback" not in errors
