"""Settings for a ``runedge`` process started by the tests: the project's, with the edge's limits
taken from ``CONSOLE_EDGE_TEST_LIMITS`` (JSON for the ``CONSOLE_EDGE_LIMITS`` setting)."""

import json
import os

from console.settings import *  # noqa: F401,F403

CONSOLE_EDGE_LIMITS = json.loads(os.environ.get("CONSOLE_EDGE_TEST_LIMITS", "{}"))
