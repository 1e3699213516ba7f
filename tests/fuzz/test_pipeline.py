"""``pipeline.submit_reviewed`` with any ``after`` config: a change CloudFront accepts is pushed (or filed for
approval) and every page of the distribution still renders; anything else changes nothing."""

import copy

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from distributions import pipeline, publish
from distributions.cloudfront import config as cfg
from distributions.models import AuditEntry
from distributions.sandbox.models import SimulatedDistribution

from .conftest import rolled_back, state
from .profiles import fuzz
from .strategies import distribution_configs, near_valid

pytestmark = pytest.mark.django_db

OUTCOMES = {pipeline.PUSHED, pipeline.SUBMITTED, pipeline.UNCHANGED, pipeline.REFUSED, pipeline.FAILED}
PAGES = ("distribution_general", "distribution_origins", "distribution_behaviors", "distribution_history")


def afters(base):
    """What a change may turn the config into: one member broken, every policy changed, or another config."""
    policies = st.sampled_from(cfg.VIEWER_PROTOCOL_POLICIES)

    def repoliced(policy):
        after = copy.deepcopy(base)
        for behavior in [after["DefaultCacheBehavior"], *after["CacheBehaviors"].get("Items", [])]:
            behavior["ViewerProtocolPolicy"] = policy
        return after

    other = distribution_configs().map(lambda c: {**c, "CallerReference": base["CallerReference"]})
    return st.one_of(near_valid(st.just(base)), policies.map(repoliced), other)


def test_submit_reviewed_pushes_what_cloudfront_accepts_or_changes_nothing(client, world):
    client.force_login(world.users["admin"])
    base = publish.begin_edit(world.own.id).config
    confirmation = pipeline.Confirmation("confirm", "Confirm.")

    @fuzz(examples=20)
    @given(
        after=afters(base),
        user=st.sampled_from([None, world.users["admin"], world.operator]),
        confirmed=st.sampled_from([["confirm"], []]),
        acknowledged=st.sampled_from([pipeline.ACKNOWLEDGE_ALL, (), ("x",)]),
    )
    def property(after, user, confirmed, acknowledged):
        with rolled_back():
            snapshot = publish.begin_edit(world.own.id)
            before = state()
            outcome = pipeline.submit_reviewed(
                user, snapshot, after, action="fuzz", summary="A fuzzed change",
                confirmations=[confirmation], confirmed=confirmed, acknowledged=acknowledged,
            )  # fmt: skip
            assert outcome.status in OUTCOMES
            if outcome.status not in (pipeline.PUSHED, pipeline.SUBMITTED):
                assert state()["distributions"] == before["distributions"]
                assert state()["pushed"] == before["pushed"]
                return
            stored = SimulatedDistribution.objects.get(pk=world.own.id).config
            cfg.validate(stored)  # whatever was stored is a config CloudFront accepts
            for page in PAGES:
                response = client.get(reverse(f"distributions:{page}", args=[world.own.id]))
                assert response.status_code == 200, page
            response = client.get(reverse("distributions:request_test"), {"url": f"http://{world.own.domain_name}/"})
            assert response.status_code in (200, 400)

    property()


def _broken(base, where, value):
    after = copy.deepcopy(base)
    node = after
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    return after


@pytest.mark.parametrize(
    "where, value",
    [
        (("Origins", "Items", 0, "CustomOriginConfig"), "https-only"),
        (("Origins", "Items", 0), "origin-main"),
        (("DefaultCacheBehavior",), "all"),
        (("CacheBehaviors", "Items", 0, "ViewerProtocolPolicy"), 7),
        (("Enabled",), "no"),
    ],
)
def test_a_config_that_breaks_the_model_is_cloudfronts_malformed_xml_not_a_traceback(world, where, value):
    """Found by the fuzz suite: the review ran the checklist on ``after`` before anything checked its shape,
    so a string where an origin (or its CustomOriginConfig) goes raised AttributeError. Now CloudFront's
    answer, recorded like any refused push."""
    snapshot = publish.begin_edit(world.own.id)
    before = state()
    outcome = pipeline.submit_reviewed(
        None, snapshot, _broken(snapshot.config, where, value), action="fuzz", summary="broken"
    )
    assert outcome.status == pipeline.FAILED
    assert outcome.backend_error.code == "MalformedXML"
    assert outcome.errors[0].startswith("CloudFront refused the change: MalformedXML: ")
    assert state() == before
    assert AuditEntry.objects.filter(distribution_id=world.own.id, error_code="MalformedXML").exists()
