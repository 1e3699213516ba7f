"""Issue 17 on the corpus of real configurations (tests/data/real/): the posture and the plan, whatever the shape.

Every file CloudFront accepts is imported with ``import_distribution``; the
expected answers are computed from each exported config, never pinned.
"""

import json

import pytest
from django.core.management.base import CommandError

from distributions.cloudfront import config as cfg
from distributions.fleet.posture import fleet_posture

from .support import REAL_CONFIGS, import_real_config
from .support import command_status as run_command
from .support import exported_config as export

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(settings):
    settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 0
    imported = {}
    for path in sorted(REAL_CONFIGS.glob("*.json")):  # refused/ holds configs CloudFront refuses
        try:
            imported[import_real_config(path.stem)] = path.stem
        except CommandError:
            continue  # CloudFront refuses it too (test_real_configs pins which and why)
    return imported


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
