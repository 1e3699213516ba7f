"""Settings for the edge benchmark: the project's, with the edge state kept in the run's
temporary directory (``CONSOLE_EDGE_STATE_DIR``) whatever the project settings say."""

import os

from console.settings import *  # noqa: F401,F403

CONSOLE_EDGE_STATE_DIR = os.environ["CONSOLE_EDGE_STATE_DIR"]
