"""The simulator answers like CloudFront: each bad update, code by code (issue #11), and the defaults
CloudFront fills in on create (the AWS CLI's create-distribution example)."""

import copy

import pytest

from distributions.backends.base import BackendError, PreconditionFailed
from distributions.cloudfront import defaults, rules
from distributions.sandbox.certificates import create_self_signed

from .factories import BehaviorFactory, OriginFactory, distribution_config, quantity

pytestmark = pytest.mark.django_db

ACM_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
FORWARDED_VALUES = {"QueryString": False, "Cookies": {"Forward": "none"}}


def acm(minimum="TLSv1.2_2021", arn=ACM_ARN):
    return {"ACMCertificateArn": arn, "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": minimum}


def add_behavior(config, pattern, **fields):
    behavior = BehaviorFactory(PathPattern=pattern, **{"TargetOriginId": "origin-main", **fields})
    config["CacheBehaviors"] = quantity([*config["CacheBehaviors"].get("Items", []), behavior])


def with_origin_group(config):
    config["Origins"] = quantity([*config["Origins"]["Items"], OriginFactory(Id="origin-backup")])
    config["OriginGroups"] = quantity(
        [
            {
                "Id": "failover",
                "FailoverCriteria": {"StatusCodes": quantity([500, 502, 503, 504])},
                "Members": quantity([{"OriginId": "origin-main"}, {"OriginId": "origin-backup"}]),
            }
        ]
    )
    add_behavior(config, "/api/*", TargetOriginId="failover")


def oac_and_oai(config):
    origin = config["Origins"]["Items"][0]
    del origin["CustomOriginConfig"]
    origin["S3OriginConfig"] = {"OriginAccessIdentity": "origin-access-identity/cloudfront/E127EXAMPLE51Z"}
    origin["OriginAccessControlId"] = "E2QWRUHAPOMQZL"


@pytest.fixture
def created(simulator):
    answer = simulator.create_distribution(distribution_config([("/images/*", "allow-all")]))
    return answer["Distribution"]["Id"], answer["Distribution"]["DistributionConfig"], answer["ETag"]


# (id, edit of the stored config, code, HTTP status, words of CloudFront's message)
REFUSED = [
    (
        "viewer protocol policy outside the enum",
        lambda c: c["DefaultCacheBehavior"].update(ViewerProtocolPolicy="https-please"),
        "MalformedXML", 400, "'distributionConfig.defaultCacheBehavior.viewerProtocolPolicy' failed to satisfy",
    ),
    (
        "MinimumProtocolVersion TLSv1.9",
        lambda c: c.update(Aliases=quantity(["www.example.com"]), ViewerCertificate=acm("TLSv1.9")),
        "MalformedXML", 400, "Member must satisfy enum value set: [SSLv3, TLSv1",
    ),
    ("HttpVersion HTTP2", lambda c: c.update(HttpVersion="HTTP2"), "MalformedXML", 400, "Value 'HTTP2' at"),
    ("PriceClass_50", lambda c: c.update(PriceClass="PriceClass_50"), "MalformedXML", 400, "priceClass"),
    (
        "sni-only with SSLv3",
        lambda c: c.update(Aliases=quantity(["www.example.com"]), ViewerCertificate=acm("SSLv3")),
        "InvalidArgument", 400, "configured for SNI and the Minimum SSL Protocol Version is specified as SSLv3",
    ),
    (
        "CachePolicyId with ForwardedValues",
        lambda c: c["DefaultCacheBehavior"].update(ForwardedValues=FORWARDED_VALUES),
        "InvalidArgument", 400, "The parameter ForwardedValues cannot be used when a cache policy is associated",
    ),
    (
        "origin with both OAC and OAI",
        oac_and_oai,
        "IllegalOriginAccessConfiguration", 400, "both an origin access control (OAC) and an origin access identity",
    ),
    (
        "staging distribution with HTTP/3",
        lambda c: c.update(Staging=True, HttpVersion="http3"),
        "InvalidArgument", 400, "staging distribution cannot use HTTP/3",
    ),
    (
        "content/* next to /content/*",
        lambda c: add_behavior(c, "content/*") or add_behavior(c, "/content/*"),
        "InvalidArgument", 400, "'/content/*' repeats 'content/*'",
    ),
    (
        "mixed-case alias",
        lambda c: c.update(Aliases=quantity(["WWW.Example.com"]), ViewerCertificate=acm()),
        "InvalidArgument", 400, rules.BAD_CNAME,
    ),
    (
        "alias with the default certificate",
        lambda c: c.update(Aliases=quantity(["www.example.com"])),
        "InvalidViewerCertificate", 400, "default *.cloudfront.net certificate",
    ),
    (
        "ACM certificate outside us-east-1",
        lambda c: c.update(ViewerCertificate=acm(arn=ACM_ARN.replace("us-east-1", "eu-west-1"))),
        "InvalidViewerCertificate", 400, rules.BAD_CERTIFICATE,
    ),
    (
        "behavior routed to no origin",
        lambda c: c["DefaultCacheBehavior"].update(TargetOriginId="gone"),
        "NoSuchOrigin", 404, "'gone'",
    ),
    (
        "76 cache behaviors",
        lambda c: c.update(CacheBehaviors=quantity(BehaviorFactory(PathPattern=f"/p{i}/*") for i in range(76))),
        "TooManyCacheBehaviors", 400, "at most 75",
    ),
    (
        "quantity that does not match the items",
        lambda c: c["CacheBehaviors"].update(Quantity=2),
        "InconsistentQuantities", 400, "The specified quantity of CacheBehaviors (2)",
    ),
]  # fmt: skip


class TestBadUpdates:
    @pytest.mark.parametrize(
        "edit, code, status, words", [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
    )
    def test_it_answers_with_cloudfronts_code_status_and_message(self, simulator, created, edit, code, status, words):
        distribution_id, config, etag = created
        new = copy.deepcopy(config)
        edit(new)
        with pytest.raises(BackendError) as error:
            simulator.update_distribution(distribution_id, new, etag)
        assert (error.value.code, error.value.status) == (code, status)
        assert words in error.value.message
        assert simulator.get_distribution_config(distribution_id) == (config, etag)

    def test_an_alias_its_certificate_does_not_cover_is_refused_at_the_api(self, simulator, created):
        certificate = create_self_signed(["www.example.org"])
        distribution_id, config, etag = created
        new = copy.deepcopy(config)
        new.update(Aliases=quantity(["shop.example.org"]), ViewerCertificate=acm(arn=certificate.arn))
        with pytest.raises(BackendError) as error:
            simulator.update_distribution(distribution_id, new, etag)
        assert (error.value.code, error.value.status) == ("InvalidViewerCertificate", 400)
        assert "doesn't cover the alternate domain name (CNAME)" in error.value.message

    def test_a_covered_alias_is_accepted(self, simulator, created):
        certificate = create_self_signed(["*.example.org"])
        distribution_id, config, etag = created
        new = copy.deepcopy(config)
        new.update(Aliases=quantity(["shop.example.org"]), ViewerCertificate=acm(arn=certificate.arn))
        simulator.update_distribution(distribution_id, new, etag)

    def test_a_stale_etag_gets_cloudfronts_own_precondition_message(self, simulator, created):
        distribution_id, config, etag = created
        simulator.update_distribution(distribution_id, copy.deepcopy(config), etag)
        with pytest.raises(PreconditionFailed) as error:
            simulator.update_distribution(distribution_id, copy.deepcopy(config), etag)
        assert error.value.status == 412
        assert error.value.message == (
            "The request failed because it didn't meet the preconditions in one or more request-header fields."
        )

    def test_a_missing_if_match_is_invalid_if_match_version(self, simulator, created):
        distribution_id, config, _ = created
        with pytest.raises(BackendError) as error:
            simulator.update_distribution(distribution_id, config, "")
        assert (error.value.code, error.value.status) == ("InvalidIfMatchVersion", 400)


class TestRealConfigsAccepted:
    def test_a_behavior_may_target_an_origin_group(self, simulator, created):
        distribution_id, config, etag = created
        new = copy.deepcopy(config)
        with_origin_group(new)
        simulator.update_distribution(distribution_id, new, etag)
        stored = simulator.get_distribution_config(distribution_id)[0]
        assert stored["CacheBehaviors"]["Items"][-1]["TargetOriginId"] == "failover"

    def test_legacy_cache_settings_are_accepted(self, simulator, created):
        distribution_id, config, etag = created
        new = copy.deepcopy(config)
        del new["DefaultCacheBehavior"]["CachePolicyId"]
        new["DefaultCacheBehavior"]["ForwardedValues"] = copy.deepcopy(FORWARDED_VALUES)
        simulator.update_distribution(distribution_id, new, etag)


def cli_example_input():
    """What ``aws cloudfront create-distribution --origin-domain-name amzn-s3-demo-bucket.s3.amazonaws.com
    --default-root-object index.html`` sends (awscli/customizations/cloudfront.py)."""
    origin_id = "amzn-s3-demo-bucket.s3.amazonaws.com-cli-example"
    return {
        "CallerReference": "cli-example",
        "Origins": quantity(
            [
                {
                    "Id": origin_id,
                    "DomainName": "amzn-s3-demo-bucket.s3.amazonaws.com",
                    "OriginPath": "",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ]
        ),
        "DefaultCacheBehavior": {
            "TargetOriginId": origin_id,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
            "ViewerProtocolPolicy": "allow-all",
            "MinTTL": 0,
        },
        "Enabled": True,
        "Comment": "",
        "DefaultRootObject": "index.html",
    }


# What CloudFront answered (create-distribution.rst, Example 1 output), less what was sent.
CLI_EXAMPLE_FILLED = {
    "Aliases": {"Quantity": 0},
    "OriginGroups": {"Quantity": 0},
    "CacheBehaviors": {"Quantity": 0},
    "CustomErrorResponses": {"Quantity": 0},
    "Logging": {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""},
    "PriceClass": "PriceClass_All",
    "ViewerCertificate": {
        "CloudFrontDefaultCertificate": True,
        "MinimumProtocolVersion": "TLSv1",
        "CertificateSource": "cloudfront",
    },
    "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
    "WebACLId": "",
    "HttpVersion": "http2",
    "IsIPV6Enabled": True,
}
CLI_EXAMPLE_BEHAVIOR_FILLED = {
    "AllowedMethods": {
        "Quantity": 2,
        "Items": ["HEAD", "GET"],
        "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]},
    },
    "SmoothStreaming": False,
    "DefaultTTL": 86400,
    "MaxTTL": 31536000,
    "Compress": False,
    "LambdaFunctionAssociations": {"Quantity": 0},
    "FieldLevelEncryptionId": "",
}


class TestDefaultsOnCreate:
    def test_it_fills_what_cloudfront_filled_for_the_cli_example(self, simulator):
        stored = simulator.create_distribution(cli_example_input())["Distribution"]["DistributionConfig"]
        for field, value in CLI_EXAMPLE_FILLED.items():
            assert stored[field] == value, field
        behavior = stored["DefaultCacheBehavior"]
        for field, value in CLI_EXAMPLE_BEHAVIOR_FILLED.items():
            assert behavior[field] == value, field
        assert behavior["ForwardedValues"]["Headers"] == {"Quantity": 0}
        assert behavior["ForwardedValues"]["QueryStringCacheKeys"] == {"Quantity": 0}
        assert stored["Origins"]["Items"][0]["CustomHeaders"] == {"Quantity": 0}
        assert stored["DefaultRootObject"] == "index.html"  # sent, so kept

    def test_filling_a_stored_config_changes_nothing(self, simulator):
        stored = simulator.create_distribution(cli_example_input())["Distribution"]["DistributionConfig"]
        assert defaults.fill(stored) == stored

    def test_a_custom_certificate_without_a_policy_is_held_with_tlsv1_2_2021(self, simulator):
        config = distribution_config(aliases=["www.example.com"], ViewerCertificate={"ACMCertificateArn": ACM_ARN})
        config["ViewerCertificate"]["SSLSupportMethod"] = "sni-only"
        stored = simulator.create_distribution(config)["Distribution"]["DistributionConfig"]
        assert stored["ViewerCertificate"] == {
            "ACMCertificateArn": ACM_ARN,
            "SSLSupportMethod": "sni-only",
            "CloudFrontDefaultCertificate": False,
            "Certificate": ACM_ARN,
            "CertificateSource": "acm",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }

    def test_the_default_certificate_is_always_held_with_tlsv1(self, simulator):
        config = distribution_config()
        config["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1.2_2021"}
        stored = simulator.create_distribution(config)["Distribution"]["DistributionConfig"]
        assert stored["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1"

    def test_a_custom_origin_gets_the_documented_timeouts(self, simulator):
        config = distribution_config()
        config["Origins"]["Items"][0] = {
            "Id": "origin-main",
            "DomainName": "app.example.com",
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
        }
        stored = simulator.create_distribution(config)["Distribution"]["DistributionConfig"]
        origin = stored["Origins"]["Items"][0]
        assert (origin["ConnectionAttempts"], origin["ConnectionTimeout"]) == (3, 10)
        custom = origin["CustomOriginConfig"]
        assert (custom["OriginReadTimeout"], custom["OriginKeepaliveTimeout"]) == (30, 5)
