"""Issue 17 on AWS: moto for the call count, botocore's Stubber for what moto cannot do.

moto ignores stale ETags and never throttles, so a run that meets a distribution
changed elsewhere (PreconditionFailed) or CloudFront throttling part-way through
is played with Stubber: each UpdateDistribution is checked against the exact
config and ETag the plan was reviewed on.
"""

import copy

import pytest
from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import MockRawResponse

from distributions import mirror
from distributions.fleet.models import BulkChange, BulkChangeState
from distributions.fleet.plan import build_plan, candidate_ids
from distributions.fleet.posture import fleet_posture
from distributions.fleet.runner import apply_plan, tally
from distributions.models import AuditEntry, AuditOutcome, Distribution

from .factories import ALL_METHODS, distribution_config
from .support import client_error, stubbed
from .support import create_on_backend as create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aws_environment")]
ACME = "/.well-known/acme-challenge/*"
IDS = ("EFLEET0000000A", "EFLEET0000000B", "EFLEET0000000C")


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


def required(config, policy="https-only"):
    """``config`` as the plan changes it: every behavior but the ACME one set to ``policy``."""
    config = copy.deepcopy(config)
    for behavior in config["CacheBehaviors"]["Items"]:
        if behavior["PathPattern"] != ACME:
            behavior["ViewerProtocolPolicy"] = policy
    config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = policy
    return config


def distribution(distribution_id, config, status="Deployed"):
    """GetDistribution's / UpdateDistribution's Distribution member."""
    return {
        "Id": distribution_id,
        "ARN": f"arn:aws:cloudfront::111122223333:distribution/{distribution_id}",
        "Status": status,
        "LastModifiedTime": "2026-11-30T10:00:00Z",
        "InProgressInvalidationBatches": 0,
        "DomainName": f"{distribution_id.lower()}.cloudfront.net",
        "ActiveTrustedSigners": {"Enabled": False, "Quantity": 0},
        "DistributionConfig": config,
    }


class StubbedRun:
    """Three distributions planned on stubbed AWS; each call is queued with the parameters it must carry."""

    def __init__(self):
        self.backend, self.stub = stubbed()
        self.configs = {
            i: distribution_config([(ACME, "allow-all"), ("/api/*", "allow-all", ALL_METHODS)], comment=f"site {i}")
            for i in IDS
        }
        self.etags = {i: f"E{n}REVIEWED" for n, i in enumerate(IDS)}

    def plan(self):
        for i in IDS:
            self.stub.add_response(
                "get_distribution_config", {"DistributionConfig": self.configs[i], "ETag": self.etags[i]}, {"Id": i}
            )
        with self.stub:
            plan = build_plan(None, list(IDS), "https-only", [ACME], backend=self.backend)
            self.stub.assert_no_pending_responses()
        return BulkChange.objects.create(
            username="(command line)", policy="https-only", exclusions=[ACME], plan=plan, confirmed=True
        )

    def update_params(self, i):
        """Exactly the reviewed config with only the Viewer Protocol Policies changed, with the reviewed ETag."""
        return {"Id": i, "IfMatch": self.etags[i], "DistributionConfig": required(self.configs[i])}

    def expect_update(self, i):
        answer = {"Distribution": distribution(i, required(self.configs[i]), "InProgress"), "ETag": f"E{i}NEW"}
        self.stub.add_response("update_distribution", answer, self.update_params(i))

    def expect_refusal(self, i, code, status):
        client_error(self.stub, "update_distribution", code, status, expected_params=self.update_params(i))

    def expect_reread(self, i, config, etag):
        """What push_config reads after PreconditionFailed: the current config, then the mirror's refresh."""
        self.stub.add_response("get_distribution_config", {"DistributionConfig": config, "ETag": etag}, {"Id": i})
        self.stub.add_response("get_distribution", {"Distribution": distribution(i, config), "ETag": etag}, {"Id": i})

    def apply(self, bulk):
        with self.stub:
            apply_plan(bulk, None, backend=self.backend)
            self.stub.assert_no_pending_responses()
        bulk.refresh_from_db()
        return {i: bulk.results.get(i, {}).get("status") for i in IDS}


def outcomes(distribution_id):
    return [e.outcome for e in AuditEntry.objects.filter(distribution_id=distribution_id).order_by("pk")]


class TestRunAgainstAwsWithStubber:
    def test_a_distribution_changed_elsewhere_is_a_conflict_left_untouched_and_the_rest_go_on(self):
        run = StubbedRun()
        bulk = run.plan()
        a, b, c = IDS
        theirs = copy.deepcopy(run.configs[b])
        theirs["Comment"] = "changed in the AWS console"
        run.expect_update(a)
        run.expect_refusal(b, "PreconditionFailed", 412)
        run.expect_reread(b, theirs, "EBTHEIRS")
        run.expect_update(c)
        assert run.apply(bulk) == {a: "pushed", b: "conflict", c: "pushed"}
        assert "EBTHEIRS" in bulk.results[b]["message"]
        assert bulk.state == BulkChangeState.DONE
        assert tally(bulk) == (2, 1)
        assert (outcomes(a), outcomes(b), outcomes(c)) == (
            [AuditOutcome.PUSHED], [AuditOutcome.CONFLICT], [AuditOutcome.PUSHED],
        )  # fmt: skip
        # The mirror shows their version, still allowing HTTP: nothing of the plan reached it.
        row = Distribution.objects.get(pk=b)
        assert row.comment == "changed in the AWS console"
        assert row.http_behavior_count == 3

    def test_throttling_mid_run_stops_with_the_rest_pending_and_resume_finishes(self):
        run = StubbedRun()
        bulk = run.plan()
        a, b, c = IDS
        run.expect_update(a)
        run.expect_refusal(b, "Throttling", 400)  # what is left once botocore's own retries gave up
        assert run.apply(bulk) == {a: "pushed", b: "interrupted", c: None}
        assert bulk.state == BulkChangeState.STOPPED
        assert "Throttling" in bulk.results[b]["message"] and "Resume" in bulk.results[b]["message"]
        assert [e["id"] for e in bulk.pending] == [b, c]
        assert tally(bulk) == (1, 2)
        assert (outcomes(a), outcomes(b), outcomes(c)) == ([AuditOutcome.PUSHED], [AuditOutcome.ERROR], [])

        # Resume: the same reviewed ETags, only the distributions without a final result.
        run.expect_update(b)
        run.expect_update(c)
        assert run.apply(bulk) == {a: "pushed", b: "pushed", c: "pushed"}
        assert bulk.state == BulkChangeState.DONE
        assert tally(bulk) == (3, 0)
        assert outcomes(a) == [AuditOutcome.PUSHED]

    def test_an_update_that_went_through_before_an_error_is_reported_as_applied_on_resume(self):
        """A 5xx can come after CloudFront applied the update: on resume, its ETag moved to our own change."""
        run = StubbedRun()
        bulk = run.plan()
        a, b, c = IDS
        run.expect_update(a)
        run.expect_refusal(b, "InternalError", 500)
        assert run.apply(bulk) == {a: "pushed", b: "interrupted", c: None}
        run.expect_refusal(b, "PreconditionFailed", 412)
        run.expect_reread(b, required(run.configs[b]), "EBAPPLIED")
        run.expect_update(c)
        assert run.apply(bulk) == {a: "pushed", b: "pushed", c: "pushed"}
        assert bulk.results[b]["message"].startswith("Already applied: ETag EBAPPLIED")
        assert tally(bulk) == (3, 0)

    def test_an_error_about_one_distribution_is_its_outcome_and_the_run_goes_on(self):
        run = StubbedRun()
        bulk = run.plan()
        a, b, c = IDS
        run.expect_update(a)
        run.expect_refusal(b, "InvalidArgument", 400)
        run.expect_update(c)
        assert run.apply(bulk) == {a: "pushed", b: "failed", c: "pushed"}
        assert bulk.state == BulkChangeState.DONE
        assert "InvalidArgument" in bulk.results[b]["message"]
        assert bulk.pending == []


def test_the_posture_reads_acm_once_for_alias_coverage(moto_backend):
    acm = moto_backend._boto_session().client("acm", region_name="us-east-1")
    arn = acm.request_certificate(DomainName="www.example.org", SubjectAlternativeNames=["www.example.org"])[
        "CertificateArn"
    ]
    certificate = {"ACMCertificateArn": arn, "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}
    covered = create(moto_backend, aliases=["www.example.org"], ViewerCertificate=certificate)
    uncovered = create(moto_backend, aliases=["shop.example.org"], ViewerCertificate=certificate)
    mirror.sync_all(moto_backend)
    # moto answers CloudFrontDefaultCertificate true whatever was sent; AWS says false with an ACM certificate.
    Distribution.objects.update(certificate={**certificate, "CloudFrontDefaultCertificate": False})
    moto_backend.calls = 0
    findings = [f for f in fleet_posture(backend=moto_backend).findings if f.code == "alias-not-covered"]
    assert [(f.distribution_id, f.alias) for f in findings] == [(uncovered, "shop.example.org")]
    assert covered != uncovered
    # ListCertificates, ListServerCertificates, and DescribeCertificate for the one certificate with an alias
    # the listing does not cover; no call per distribution.
    assert moto_backend.calls == 3


THROTTLED = (
    b'<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">'
    b"<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    b"<RequestId>throttled-request</RequestId></ErrorResponse>"
)


def test_a_throttle_botocore_retries_is_invisible_to_the_run(moto_backend):
    """botocore's standard retry mode takes the first throttle: the run goes on, one update per distribution."""
    ids = [create(moto_backend, [("/api/*", "allow-all", ALL_METHODS)], comment=f"site {n}") for n in range(3)]
    mirror.sync_all(moto_backend)
    plan = build_plan(None, sorted(ids), "https-only", [ACME], backend=moto_backend)
    bulk = BulkChange.objects.create(username="(command line)", policy="https-only", plan=plan, confirmed=True)
    sends = []

    def throttle_the_second_update_once(request, **_):
        sends.append(request.url)
        if len(sends) == 2:  # moto answers every other request
            return AWSResponse(request.url, 400, {}, MockRawResponse(THROTTLED))
        return None

    events = moto_backend.client.meta.events
    events.register_first("before-send.cloudfront.UpdateDistribution", throttle_the_second_update_once)
    moto_backend.calls = 0
    apply_plan(bulk, None, backend=moto_backend)
    assert {i: r["status"] for i, r in bulk.results.items()} == dict.fromkeys(ids, "pushed")
    assert bulk.state == BulkChangeState.DONE
    assert (moto_backend.calls, len(sends)) == (3, 4)  # three updates, one of them sent twice by botocore
    assert [outcomes(i) for i in sorted(ids)] == [[AuditOutcome.PUSHED]] * 3
