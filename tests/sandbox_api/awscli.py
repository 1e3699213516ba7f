"""The AWS CLI (awscli v1 from the package index) in its own virtualenv, ``.venv-awscli/`` at the top.

awscli pins its own botocore, so it never shares the project's venv (as in
``bench/sync_vs_cli.py``). Installed on first use and reused afterwards; a lock
keeps two test runs from building it at once.
"""

import fcntl
import os
import subprocess
import urllib.error
import urllib.request
import venv
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
VENV = PROJECT / ".venv-awscli"
AWS = VENV / "bin" / "aws"
LOCK = PROJECT / ".venv-awscli.lock"
DEFAULT_INDEX = "https://pypi.org/simple/"


class AwsCliUnavailable(Exception):
    pass


def _version():
    try:
        probe = subprocess.run([str(AWS), "--version"], capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return (probe.stdout or probe.stderr).strip() if probe.returncode == 0 else None


def ensure_awscli():
    """The ``aws`` executable, installing awscli into ``.venv-awscli/`` when it is missing or broken."""
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if AWS.exists() and _version():
            return AWS
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        installed = subprocess.run(pip + ["awscli"], capture_output=True, text=True, timeout=900)
        if installed.returncode != 0 or not _version():
            raise AwsCliUnavailable(f"pip install awscli failed: {installed.stderr.strip()[-1500:]}")
        return AWS


def index_reachable(timeout=10):
    """Whether the package index pip would use answers at all (else a local run may skip)."""
    index = os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX
    try:
        with urllib.request.urlopen(index.rstrip("/") + "/awscli/", timeout=timeout):
            return True
    except urllib.error.HTTPError:  # it answered, if only to say no
        return True
    except (urllib.error.URLError, OSError, ValueError):
        return False
