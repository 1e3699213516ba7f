"""Issue 17 on the corpus of real configurations (tests/data/real/): the posture and the plan, whatever the shape.

Every file CloudFront accepts is imported with ``import_distribution``; the
expected answers are computed from each exported config, never pinned.
"""

import json

import pytest

from distributions.cloudfront import config as cfg
from distributions.fleet.posture import fleet_posture

from .test_fleet import run as run_command
from .test_real_configs import ACCEPTED, export, import_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(settings):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 0
    return {import_file(name): name for name in ACCEPTED}


def allowing_http(configs):
    return {
        (distribution_id, b.path_pattern)
        for distribution_id, config in configs.items()
        for b in cfg.behaviors(config)
        if b.viewer_protocol_policy == "allow-all"
    }


def test_the_posture_lists_exactly_the_behaviors_that_allow_http_then_require_https_leaves_none(corpus):
    before = {distribution_id: export(distribution_id) for distribution_id in corpus}
    assert allowing_http(before)  # the corpus has some to find
    assert {(b.distribution_id, b.path_pattern) for b in fleet_posture().behaviors} == allowing_http(before)

    status, out = run_command("require_https", "--all", "--dry-run")
    assert status == 0, out
    assert {distribution_id: export(distribution_id) for distribution_id in corpus} == before

    status, out = run_command("require_https", "--all", "--acknowledge-errors")
    assert status == 0, out
    planned = {d for d, _ in allowing_http(before)}
    for distribution_id in corpus:
        after = export(distribution_id)
        changes = cfg.diff(before[distribution_id], after)
        assert all(path.endswith("ViewerProtocolPolicy") for path, _, _ in changes), corpus[distribution_id]
        assert bool(changes) == (distribution_id in planned), corpus[distribution_id]
    assert not fleet_posture().behaviors
    status, out = run_command("https_posture", "--format", "json")
    assert json.loads(out)["behaviors"] == []
