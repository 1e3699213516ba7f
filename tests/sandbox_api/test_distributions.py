"""The distribution operations over real HTTP with boto3: List, Get, GetConfig, Create, Update, Delete.

Every call is a signed request to a live console; what it changes is checked in
the simulator's control plane, the console's mirror and the audit trail.
"""

import copy
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from distributions.api.models import AccessKey
from distributions.models import AuditEntry, AuditOutcome, Distribution
from distributions.sandbox.models import SimulatedDistribution

from ..factories import distribution_config, edge_code_config
from .conftest import refused

pytestmark = pytest.mark.django_db(transaction=True)


class TestReading:
    def test_get_distribution_config_answers_the_config_and_its_etag(self, cloudfront, make_distribution):
        distribution = make_distribution([("/images/*", "allow-all")])
        answer = cloudfront.get_distribution_config(Id=distribution.id)
        row = SimulatedDistribution.objects.get(pk=distribution.id)
        assert answer["DistributionConfig"] == row.config
        assert answer["ETag"] == row.etag
        headers = answer["ResponseMetadata"]["HTTPHeaders"]
        assert headers["etag"] == row.etag
        assert headers["x-amz-request-id"] == answer["ResponseMetadata"]["RequestId"]

    def test_get_distribution_has_its_status_domain_name_and_arn(self, cloudfront, make_distribution):
        distribution = make_distribution()
        answer = cloudfront.get_distribution(Id=distribution.id)
        assert answer["ETag"] == SimulatedDistribution.objects.get(pk=distribution.id).etag
        got = answer["Distribution"]
        assert (got["Id"], got["Status"], got["DomainName"]) == (distribution.id, "Deployed", distribution.domain_name)
        assert got["ARN"] == f"arn:aws:cloudfront::123456789012:distribution/{distribution.id}"
        assert got["LastModifiedTime"].tzinfo is not None

    def test_an_unknown_id_is_no_such_distribution(self, cloudfront, db):
        code, status, _ = refused(cloudfront.get_distribution, Id="ENOSUCH0000000")
        assert (code, status) == ("NoSuchDistribution", 404)

    def test_listing_pages_over_260_distributions(self, cloudfront, simulator):
        ids = {
            simulator.create_distribution(distribution_config(comment=f"site {n}"))["Distribution"]["Id"]
            for n in range(260)
        }
        first = cloudfront.list_distributions(MaxItems="100")["DistributionList"]
        assert (first["Quantity"], first["IsTruncated"]) == (100, True)
        assert first["NextMarker"] == first["Items"][-1]["Id"]
        pages = list(cloudfront.get_paginator("list_distributions").paginate(PaginationConfig={"PageSize": 100}))
        listed = [item["Id"] for page in pages for item in page["DistributionList"].get("Items", [])]
        assert [page["DistributionList"]["Quantity"] for page in pages] == [100, 100, 60]
        assert len(listed) == 260 and set(listed) == ids
        assert pages[-1]["DistributionList"]["IsTruncated"] is False
        assert "NextMarker" not in pages[-1]["DistributionList"]

    def test_a_summary_carries_the_behaviors_and_etag(self, cloudfront, make_distribution):
        distribution = make_distribution([("/images/*", "https-only")])
        item = cloudfront.list_distributions()["DistributionList"]["Items"][0]
        assert item["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "https-only"
        assert item["ETag"] == SimulatedDistribution.objects.get(pk=distribution.id).etag
        assert "CallerReference" not in item

    def test_max_items_must_be_a_positive_number(self, cloudfront, db):
        code, status, _ = refused(cloudfront.list_distributions, MaxItems="none")
        assert (code, status) == ("InvalidArgument", 400)


class TestUpdating:
    def test_an_update_is_pushed_with_a_new_etag_and_history_says_via_api(
        self, cloudfront, make_distribution, signed_in
    ):
        distribution = make_distribution([("/images/*", "allow-all")])
        got = cloudfront.get_distribution_config(Id=distribution.id)
        config = got["DistributionConfig"]
        config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "redirect-to-https"
        answer = cloudfront.update_distribution(Id=distribution.id, IfMatch=got["ETag"], DistributionConfig=config)
        assert answer["ETag"] != got["ETag"]
        assert answer["ETag"] == answer["ResponseMetadata"]["HTTPHeaders"]["etag"]
        assert answer["Distribution"]["DistributionConfig"] == config
        assert cloudfront.get_distribution_config(Id=distribution.id)["ETag"] == answer["ETag"]
        entry = AuditEntry.objects.get(distribution_id=distribution.id, action="api-update")
        key_id = AccessKey.objects.get(user__username="alice").access_key_id
        assert entry.summary.startswith(f"via API (key {key_id}): ")
        assert "DefaultCacheBehavior.ViewerProtocolPolicy" in entry.summary
        assert (entry.username, entry.outcome) == ("alice", AuditOutcome.PUSHED)
        assert (entry.etag_before, entry.etag_after) == (got["ETag"], answer["ETag"])
        mirrored = Distribution.objects.get(pk=distribution.id).behaviors.get(is_default=True)
        assert mirrored.viewer_protocol_policy == "redirect-to-https"
        history = signed_in.get(reverse("distributions:distribution_history", args=[distribution.id]))
        assert f"via API (key {key_id})" in history.content.decode()

    def test_a_stale_if_match_is_precondition_failed_and_changes_nothing(self, cloudfront, make_distribution):
        distribution = make_distribution()
        got = cloudfront.get_distribution_config(Id=distribution.id)
        config = got["DistributionConfig"]
        config["Comment"] = "first"
        cloudfront.update_distribution(Id=distribution.id, IfMatch=got["ETag"], DistributionConfig=config)
        config["Comment"] = "second, from a stale read"
        code, status, _ = refused(
            cloudfront.update_distribution, Id=distribution.id, IfMatch=got["ETag"], DistributionConfig=config
        )
        assert (code, status) == ("PreconditionFailed", 412)
        assert SimulatedDistribution.objects.get(pk=distribution.id).config["Comment"] == "first"
        conflict = AuditEntry.objects.get(distribution_id=distribution.id, outcome=AuditOutcome.CONFLICT)
        assert conflict.action == "api-update" and conflict.summary.startswith("via API (key AKIA")

    def test_a_missing_if_match_is_invalid_if_match_version(self, cloudfront, make_distribution):
        distribution = make_distribution()
        config = cloudfront.get_distribution_config(Id=distribution.id)["DistributionConfig"]
        code, status, _ = refused(cloudfront.update_distribution, Id=distribution.id, DistributionConfig=config)
        assert (code, status) == ("InvalidIfMatchVersion", 400)

    def test_function_and_lambda_associations_round_trip_unchanged(self, cloudfront, db):
        sent = edge_code_config()
        created = cloudfront.create_distribution(DistributionConfig=copy.deepcopy(sent))
        distribution_id = created["Distribution"]["Id"]
        got = cloudfront.get_distribution_config(Id=distribution_id)
        assert got["DistributionConfig"] == sent
        expected = copy.deepcopy(sent)
        expected["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] = "https-only"
        cloudfront.update_distribution(Id=distribution_id, IfMatch=got["ETag"], DistributionConfig=expected)
        assert SimulatedDistribution.objects.get(pk=distribution_id).config == expected
        assert cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"] == expected
        entry = AuditEntry.objects.get(distribution_id=distribution_id, action="api-update")
        assert [change[0] for change in entry.changes] == ["CacheBehaviors.Items[0].ViewerProtocolPolicy"]

    @pytest.mark.parametrize(
        "edit, code",
        [
            (lambda c: c["CacheBehaviors"].update(Quantity=5), "InconsistentQuantities"),
            (lambda c: c.update(CallerReference="another"), "IllegalUpdate"),
            (
                lambda c: c["DefaultCacheBehavior"].update(ViewerProtocolPolicy="sometimes"),
                "MalformedXML",
            ),  # enums are checked while parsing
        ],
    )
    def test_what_cloudfront_refuses_comes_back_with_its_code(self, cloudfront, make_distribution, edit, code):
        distribution = make_distribution([("/images/*", "allow-all")])
        got = cloudfront.get_distribution_config(Id=distribution.id)
        edit(got["DistributionConfig"])
        refusal = refused(
            cloudfront.update_distribution,
            Id=distribution.id,
            IfMatch=got["ETag"],
            DistributionConfig=got["DistributionConfig"],
        )
        assert refusal[:2] == (code, 400)
        assert AuditEntry.objects.get(distribution_id=distribution.id, action="api-update").error_code == code

    def test_the_deployed_waiter_polls_until_the_edge_serves_the_change(self, cloudfront, make_distribution, settings):
        distribution = make_distribution([("/images/*", "allow-all")])
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 1.5
        got = cloudfront.get_distribution_config(Id=distribution.id)
        got["DistributionConfig"]["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] = "redirect-to-https"
        answer = cloudfront.update_distribution(
            Id=distribution.id, IfMatch=got["ETag"], DistributionConfig=got["DistributionConfig"]
        )
        assert answer["Distribution"]["Status"] == "InProgress"
        cloudfront.get_waiter("distribution_deployed").wait(
            Id=distribution.id, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
        )
        assert cloudfront.get_distribution(Id=distribution.id)["Distribution"]["Status"] == "Deployed"
        out = StringIO()
        call_command("edge_request", "GET", f"http://{distribution.domain_name}/images/a.jpg", stdout=out)
        decision = json.loads(out.getvalue())
        assert (decision["status"], decision["location"]) == (301, f"https://{distribution.domain_name}/images/a.jpg")


class TestCreatingAndDeleting:
    def test_create_answers_201_with_location_and_etag_and_is_audited(self, cloudfront, api_url, db):
        answer = cloudfront.create_distribution(DistributionConfig=distribution_config(comment="made by API"))
        distribution_id = answer["Distribution"]["Id"]
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201
        assert answer["Location"] == f"{api_url}/2020-05-31/distribution/{distribution_id}"
        assert answer["ETag"] == SimulatedDistribution.objects.get(pk=distribution_id).etag
        assert Distribution.objects.get(pk=distribution_id).comment == "made by API"
        entry = AuditEntry.objects.get(distribution_id=distribution_id)
        assert (entry.action, entry.username, entry.outcome) == ("api-create", "alice", AuditOutcome.PUSHED)
        assert entry.summary.startswith("via API (key AKIA")

    def test_delete_follows_cloudfronts_rules(self, cloudfront, make_distribution, settings):
        distribution = make_distribution()
        etag = cloudfront.get_distribution(Id=distribution.id)["ETag"]
        assert refused(cloudfront.delete_distribution, Id=distribution.id, IfMatch=etag)[:2] == (
            "DistributionNotDisabled",
            409,
        )
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        got = cloudfront.get_distribution_config(Id=distribution.id)
        got["DistributionConfig"]["Enabled"] = False
        etag = cloudfront.update_distribution(
            Id=distribution.id, IfMatch=got["ETag"], DistributionConfig=got["DistributionConfig"]
        )["ETag"]
        code, status, message = refused(cloudfront.delete_distribution, Id=distribution.id, IfMatch=etag)
        assert (code, status) == ("DistributionNotDisabled", 409) and "Deployed" in message
        SimulatedDistribution.objects.filter(pk=distribution.id).update(deploy_ready_at=timezone.now() - timedelta(1))
        assert refused(cloudfront.delete_distribution, Id=distribution.id)[:2] == ("InvalidIfMatchVersion", 400)
        assert refused(cloudfront.delete_distribution, Id=distribution.id, IfMatch=got["ETag"])[:2] == (
            "PreconditionFailed",
            412,
        )
        answer = cloudfront.delete_distribution(Id=distribution.id, IfMatch=etag)
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert refused(cloudfront.get_distribution, Id=distribution.id)[:2] == ("NoSuchDistribution", 404)
        assert not Distribution.objects.filter(pk=distribution.id).exists()
        assert (
            AuditEntry.objects.filter(
                distribution_id=distribution.id, action="api-delete", outcome=AuditOutcome.PUSHED
            ).count()
            == 1
        )
