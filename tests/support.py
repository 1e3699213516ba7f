"""Small helpers shared by test modules (fixtures live in conftest.py; factories in factories.py)."""

import socket

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
