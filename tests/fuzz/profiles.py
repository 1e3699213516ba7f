"""The fuzz suite's hypothesis settings: ``ci`` (the default: few examples, reproducible) and ``fuzz`` (long).

``make test`` runs the ``ci`` profile: each property's own small number of examples,
derandomized so that CI on SQLite and on PostgreSQL tries the same inputs and a failure
reproduces. ``make fuzz`` sets ``HYPOTHESIS_PROFILE=fuzz``: random seeds, and
``FUZZ_SCALE`` (default 50) times as many examples per property.
"""

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
# Every example is one request or one command against a database: slow by hypothesis's standards, and the
# world fixture is shared by a test's examples on purpose (each example runs in its own savepoint).
_SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, print_blob=True, suppress_health_check=_SLOW
)
settings.register_profile(
    "fuzz",
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
SCALE = int(os.environ.get("FUZZ_SCALE", "50")) if PROFILE == "fuzz" else 1


def fuzz(examples: int) -> settings:
    """The settings of one property: ``examples`` in CI, ``FUZZ_SCALE`` times more under ``make fuzz``."""
    return settings(settings.get_profile(PROFILE), max_examples=examples * SCALE)
