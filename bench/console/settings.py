"""Settings for the console benchmark: the project's own, with collected static files kept in the
run's temporary directory (``CONSOLE_BENCH_STATIC_ROOT``) instead of the project's ``staticfiles/``."""

import os

from console.settings import *  # noqa: F401,F403

STATIC_ROOT = os.environ["CONSOLE_BENCH_STATIC_ROOT"]
