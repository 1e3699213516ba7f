"""Invalidations and tags through the API: Create/Get/ListInvalidations, Tag/Untag/ListTagsForResource."""

import pytest

from distributions.models import AuditEntry, AuditOutcome
from distributions.sandbox.models import SimulatedDistribution

from ..factories import distribution_config
from .conftest import refused

pytestmark = pytest.mark.django_db(transaction=True)


def batch(paths, reference):
    return {"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference}


class TestInvalidations:
    def test_create_get_and_list_an_invalidation(self, cloudfront, make_distribution, api_url, settings):
        distribution = make_distribution()
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        created = cloudfront.create_invalidation(
            DistributionId=distribution.id, InvalidationBatch=batch(["/index.html", "/images/*"], "walk-1")
        )
        invalidation = created["Invalidation"]
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
        location = f"{api_url}/2020-05-31/distribution/{distribution.id}/invalidation/{invalidation['Id']}"
        assert created["Location"] == location
        assert invalidation["Status"] == "InProgress"
        assert invalidation["InvalidationBatch"]["Paths"]["Items"] == ["/index.html", "/images/*"]
        again = cloudfront.create_invalidation(
            DistributionId=distribution.id, InvalidationBatch=batch(["/index.html", "/images/*"], "walk-1")
        )
        assert again["Invalidation"]["Id"] == invalidation["Id"]
        got = cloudfront.get_invalidation(DistributionId=distribution.id, Id=invalidation["Id"])["Invalidation"]
        assert got["InvalidationBatch"]["CallerReference"] == "walk-1"
        listed = cloudfront.list_invalidations(DistributionId=distribution.id)["InvalidationList"]
        assert [(item["Id"], item["Status"]) for item in listed["Items"]] == [(invalidation["Id"], "InProgress")]
        entry = AuditEntry.objects.filter(distribution_id=distribution.id, action="api-invalidation").first()
        assert entry.outcome == AuditOutcome.PUSHED and entry.summary.startswith("via API (key AKIA")

    def test_the_invalidation_waiter_sees_it_complete(self, cloudfront, make_distribution):
        distribution = make_distribution()
        created = cloudfront.create_invalidation(DistributionId=distribution.id, InvalidationBatch=batch(["/*"], "r"))
        cloudfront.get_waiter("invalidation_completed").wait(
            DistributionId=distribution.id, Id=created["Invalidation"]["Id"], WaiterConfig={"Delay": 1}
        )

    def test_invalidations_page_newest_first(self, cloudfront, make_distribution):
        distribution = make_distribution()
        ids = [
            cloudfront.create_invalidation(
                DistributionId=distribution.id, InvalidationBatch=batch([f"/{n}.html"], f"ref-{n}")
            )["Invalidation"]["Id"]
            for n in range(3)
        ]
        first = cloudfront.list_invalidations(DistributionId=distribution.id, MaxItems="2")["InvalidationList"]
        assert first["IsTruncated"] and first["Quantity"] == 2
        pages = cloudfront.get_paginator("list_invalidations").paginate(
            DistributionId=distribution.id, PaginationConfig={"PageSize": 2}
        )
        listed = [item["Id"] for page in pages for item in page["InvalidationList"].get("Items", [])]
        assert sorted(listed) == sorted(ids) and len(listed) == 3

    def test_cloudfronts_path_rules_and_unknown_ids(self, cloudfront, make_distribution):
        distribution = make_distribution()
        code, status, message = refused(
            cloudfront.create_invalidation, DistributionId=distribution.id, InvalidationBatch=batch(["images/*"], "bad")
        )
        assert (code, status) == ("InvalidArgument", 400) and "start with /" in message
        assert refused(cloudfront.get_invalidation, DistributionId=distribution.id, Id="INOSUCH")[:2] == (
            "NoSuchInvalidation",
            404,
        )
        assert refused(cloudfront.list_invalidations, DistributionId="ENOSUCH0000000")[:2] == (
            "NoSuchDistribution",
            404,
        )
        assert refused(
            cloudfront.create_invalidation,
            DistributionId=distribution.id,
            InvalidationBatch={"Paths": {"Quantity": 2, "Items": ["/a"]}, "CallerReference": "q"},
        )[:2] == ("InconsistentQuantities", 400)


class TestTags:
    def test_tag_list_and_untag_a_distribution(self, cloudfront, make_distribution):
        distribution = make_distribution()
        arn = cloudfront.get_distribution(Id=distribution.id)["Distribution"]["ARN"]
        cloudfront.tag_resource(
            Resource=arn, Tags={"Items": [{"Key": "team", "Value": "red"}, {"Key": "env", "Value": "training"}]}
        )
        tags = cloudfront.list_tags_for_resource(Resource=arn)["Tags"]["Items"]
        assert tags == [{"Key": "env", "Value": "training"}, {"Key": "team", "Value": "red"}]
        cloudfront.untag_resource(Resource=arn, TagKeys={"Items": ["env"]})
        assert cloudfront.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "team", "Value": "red"}]
        assert AuditEntry.objects.filter(distribution_id=distribution.id, action="api-tag").count() == 2

    def test_create_distribution_with_tags(self, cloudfront, db):
        answer = cloudfront.create_distribution_with_tags(
            DistributionConfigWithTags={
                "DistributionConfig": distribution_config(comment="tagged"),
                "Tags": {"Items": [{"Key": "owner", "Value": "alice"}]},
            }
        )
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201
        tags = cloudfront.list_tags_for_resource(Resource=answer["Distribution"]["ARN"])["Tags"]["Items"]
        assert tags == [{"Key": "owner", "Value": "alice"}]

    def test_a_bad_tag_creates_nothing(self, cloudfront, db):
        code, status, _ = refused(
            cloudfront.create_distribution_with_tags,
            DistributionConfigWithTags={
                "DistributionConfig": distribution_config(),
                "Tags": {"Items": [{"Key": "bad<key>", "Value": "x"}]},
            },
        )
        assert (code, status) == ("InvalidTagging", 400)
        assert not SimulatedDistribution.objects.exists()

    def test_unknown_and_malformed_resources(self, cloudfront, db):
        unknown = "arn:aws:cloudfront::123456789012:distribution/ENOSUCH0000000"
        assert refused(cloudfront.list_tags_for_resource, Resource=unknown)[:2] == ("NoSuchResource", 404)
        assert refused(cloudfront.list_tags_for_resource, Resource="not-an-arn")[:2] == ("InvalidArgument", 400)
