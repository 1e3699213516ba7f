"""Factories for CloudFront config dicts (the GetDistributionConfig shape) and users."""

import uuid

import factory
from django.contrib.auth import get_user_model

GET_HEAD = ["HEAD", "GET"]
GET_HEAD_OPTIONS = ["HEAD", "GET", "OPTIONS"]
ALL_METHODS = ["HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH"]


def quantity(items):
    items = list(items)
    return {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class OriginFactory(factory.DictFactory):
    Id = factory.Sequence(lambda n: f"origin-{n}")
    DomainName = factory.LazyAttribute(lambda o: f"{o.Id}.example.com")
    OriginPath = ""
    CustomHeaders = factory.LazyFunction(lambda: {"Quantity": 0})
    CustomOriginConfig = factory.LazyFunction(
        lambda: {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": "https-only",
            "OriginSslProtocols": quantity(["TLSv1.2"]),
            "OriginReadTimeout": 30,
            "OriginKeepaliveTimeout": 5,
        }
    )
    ConnectionAttempts = 3
    ConnectionTimeout = 10
    OriginShield = factory.LazyFunction(lambda: {"Enabled": False})
    OriginAccessControlId = ""


class DefaultBehaviorFactory(factory.DictFactory):
    TargetOriginId = "origin-main"
    TrustedSigners = factory.LazyFunction(lambda: {"Enabled": False, "Quantity": 0})
    TrustedKeyGroups = factory.LazyFunction(lambda: {"Enabled": False, "Quantity": 0})
    ViewerProtocolPolicy = "allow-all"
    AllowedMethods = factory.LazyFunction(lambda: {**quantity(GET_HEAD), "CachedMethods": quantity(GET_HEAD)})
    SmoothStreaming = False
    Compress = True
    LambdaFunctionAssociations = factory.LazyFunction(lambda: {"Quantity": 0})
    FunctionAssociations = factory.LazyFunction(lambda: {"Quantity": 0})
    FieldLevelEncryptionId = ""
    CachePolicyId = "658327ea-f89d-4fab-a63d-7e88639e58f6"


class BehaviorFactory(DefaultBehaviorFactory):
    PathPattern = factory.Sequence(lambda n: f"/path{n}/*")


def methods(items):
    cached = GET_HEAD_OPTIONS if "OPTIONS" in items else GET_HEAD
    return {**quantity(items), "CachedMethods": quantity(cached)}


def distribution_config(behaviors=(), default_policy="allow-all", origins=None, aliases=(), comment="test", **extra):
    """A complete DistributionConfig. ``behaviors``: dicts or (pattern, policy[, allowed methods]) tuples."""
    origins = origins if origins is not None else [OriginFactory(Id="origin-main")]
    items = []
    for behavior in behaviors:
        if isinstance(behavior, dict):
            items.append(behavior)
            continue
        pattern, policy, *rest = behavior
        items.append(
            BehaviorFactory(
                PathPattern=pattern,
                ViewerProtocolPolicy=policy,
                TargetOriginId=origins[0]["Id"],
                AllowedMethods=methods(rest[0] if rest else GET_HEAD),
            )
        )
    config = {
        "CallerReference": str(uuid.uuid4()),
        "Aliases": quantity(aliases),
        "DefaultRootObject": "index.html",
        "Origins": quantity(origins),
        "OriginGroups": {"Quantity": 0},
        "DefaultCacheBehavior": DefaultBehaviorFactory(
            TargetOriginId=origins[0]["Id"], ViewerProtocolPolicy=default_policy
        ),
        "CacheBehaviors": quantity(items),
        "CustomErrorResponses": {"Quantity": 0},
        "Comment": comment,
        "Logging": {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""},
        "PriceClass": "PriceClass_All",
        "Enabled": True,
        "ViewerCertificate": {
            "CloudFrontDefaultCertificate": True,
            "MinimumProtocolVersion": "TLSv1",
            "CertificateSource": "cloudfront",
        },
        "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        "WebACLId": "",
        "HttpVersion": "http2",
        "IsIPV6Enabled": True,
        "ContinuousDeploymentPolicyId": "",
        "Staging": False,
    }
    config.update(extra)
    return config


def edge_code_config():
    """A config full of members the console does not model, moto drops, or both."""
    config = distribution_config([("/api/*", "allow-all")], comment="edge code")
    behavior = config["CacheBehaviors"]["Items"][0]
    behavior["FunctionAssociations"] = {
        "Quantity": 1,
        "Items": [{"FunctionARN": "arn:aws:cloudfront::123456789012:function/auth", "EventType": "viewer-request"}],
    }
    behavior["LambdaFunctionAssociations"] = {
        "Quantity": 2,
        "Items": [
            {
                "LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:edge:7",
                "EventType": "origin-request",
                "IncludeBody": True,
            },
            {
                "LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:headers:3",
                "EventType": "viewer-response",
                "IncludeBody": False,
            },
        ],
    }
    behavior["ResponseHeadersPolicyId"] = "67f7725c-6f97-4210-82d7-5512b31e9d03"
    behavior["TrustedKeyGroups"] = {"Enabled": True, "Quantity": 1, "Items": ["kg-0123456789"]}
    origin = config["Origins"]["Items"][0]
    origin["CustomHeaders"] = {"Quantity": 1, "Items": [{"HeaderName": "X-Origin-Token", "HeaderValue": "s3cr3t"}]}
    origin["OriginShield"] = {"Enabled": True, "OriginShieldRegion": "eu-west-1"}
    config["CustomErrorResponses"] = {
        "Quantity": 1,
        "Items": [{"ErrorCode": 404, "ResponsePagePath": "/404.html", "ResponseCode": "404", "ErrorCachingMinTTL": 30}],
    }
    config["Restrictions"] = {"GeoRestriction": {"RestrictionType": "whitelist", "Quantity": 2, "Items": ["DE", "FR"]}}
    config["Logging"] = {"Enabled": True, "IncludeCookies": True, "Bucket": "logs.s3.amazonaws.com", "Prefix": "cf/"}
    return config
