"""Small helpers shared by test modules (fixtures live in conftest.py; factories in factories.py)."""

import json
import socket
from io import StringIO
from pathlib import Path

import boto3
from botocore.stub import Stubber
from django.core.management import call_command

from distributions.backends.aws import AwsBackend

from .factories import distribution_config

# The step-7 checklist of the Behaviors edit, all ticked.
CONFIRMATIONS = {"confirm_path_patterns": "on", "confirm_order": "on", "confirm_origins": "on"}


def free_port(host="127.0.0.1"):
    """A TCP port free on ``host`` right now (the OS picks it: bind to port 0)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def create_on_backend(backend, *args, **kwargs):
    """Create a distribution on ``backend`` from distribution_config() arguments; its Id."""
    return backend.create_distribution(distribution_config(*args, **kwargs))["Distribution"]["Id"]


def stubbed():
    client = boto3.client("cloudfront", region_name="us-east-1")
    return AwsBackend(client=client), Stubber(client)


def client_error(stub, method, code, status, message="", expected_params=None):
    stub.add_client_error(
        method,
        service_error_code=code,
        service_message=message or code,
        http_status_code=status,
        expected_params=expected_params,
    )


REAL_CONFIGS = Path(__file__).resolve().parent / "data" / "real"


def command_output(*args):
    """What a management command prints; a CommandError propagates."""
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def command_status(*args):
    """``(exit status, output)`` of a management command that may ``sys.exit``."""
    out = StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def import_real_config(name):
    """Import tests/data/real/NAME.json with ``import_distribution``; the new distribution's ID."""
    distribution_id, _domain = (
        command_output("import_distribution", str(REAL_CONFIGS / f"{name}.json")).strip().split("\t")
    )
    return distribution_id


def exported_config(distribution_id):
    """The DistributionConfig ``export_distribution`` prints."""
    return json.loads(command_output("export_distribution", distribution_id))["DistributionConfig"]
