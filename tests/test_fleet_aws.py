"""Issue 17 on AWS (moto): the plan and its apply cost one GetDistributionConfig and one UpdateDistribution each."""

import pytest

from distributions import mirror
from distributions.fleet.models import BulkChange
from distributions.fleet.plan import build_plan, candidate_ids
from distributions.fleet.posture import fleet_posture
from distributions.fleet.runner import apply_plan, tally

from .factories import ALL_METHODS
from .support import create_on_backend as create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aws_environment")]
ACME = "/.well-known/acme-challenge/*"


def test_a_plan_on_aws_costs_two_calls_per_distribution(moto_backend):
    for n in range(4):
        create(moto_backend, [(ACME, "allow-all"), ("/api/*", "allow-all", ALL_METHODS)], comment=f"site {n}")
    mirror.sync_all(moto_backend)
    ids = candidate_ids()
    assert len(ids) == 4
    moto_backend.calls = 0
    plan = build_plan(None, ids, "https-only", [ACME], backend=moto_backend)
    bulk = BulkChange.objects.create(username="(command line)", policy="https-only", plan=plan, confirmed=True)
    apply_plan(bulk, None, backend=moto_backend)
    assert tally(bulk) == (4, 0)
    assert moto_backend.calls == 2 * len(ids)
    mirror.sync_all(moto_backend)
    assert {b.path_pattern for b in fleet_posture().behaviors} == {ACME}
