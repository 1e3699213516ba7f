"""The fields CloudFront fills in when it stores a DistributionConfig.

CloudFront answers CreateDistribution and UpdateDistribution with the whole
config as it holds it, defaults included; GetDistributionConfig then prints
them. The main source is the AWS CLI's own example (aws/aws-cli,
awscli/examples/cloudfront/create-distribution.rst, "Example 1"): the CLI sends
the sparse config that ``awscli/customizations/cloudfront.py`` builds
(CallerReference, one origin with Id, DomainName, OriginPath and
S3OriginConfig, a default behavior with TargetOriginId, ForwardedValues
{QueryString, Cookies}, TrustedSigners, ViewerProtocolPolicy and MinTTL,
Enabled, Comment, DefaultRootObject) and CloudFront answers with every field
marked "CLI example" below. Fields marked "model" are defaults botocore's
service model documents in words ("the default ... is 3").

Fields CloudFront returns today for which no public example or document gives
the value CloudFront picks (OriginShield, OriginAccessControlId,
TrustedKeyGroups, FunctionAssociations, Staging, OriginSslProtocols…) are not
invented: a config without them keeps not having them.
"""

from .config import clone

# Distribution-level defaults: (field, value, source).
DISTRIBUTION_DEFAULTS = (
    ("Aliases", {"Quantity": 0}, "CLI example"),
    ("DefaultRootObject", "", "CLI examples (get-distribution-config prints it even when empty)"),
    ("OriginGroups", {"Quantity": 0}, "CLI example"),
    ("CacheBehaviors", {"Quantity": 0}, "CLI example"),
    ("CustomErrorResponses", {"Quantity": 0}, "CLI example"),
    ("Logging", {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}, "CLI example"),
    ("PriceClass", "PriceClass_All", "CLI example"),
    (
        "ViewerCertificate",
        {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1", "CertificateSource": "cloudfront"},
        "CLI example",
    ),
    ("Restrictions", {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}}, "CLI example"),
    ("WebACLId", "", "CLI example"),
    ("HttpVersion", "http2", "CLI example; model: 'The default value for new web distributions is http2'"),
    ("IsIPV6Enabled", True, "CLI example"),
)

ORIGIN_DEFAULTS = (
    ("OriginPath", "", "CLI example (2015 revision: sent without it, printed as '')"),
    ("CustomHeaders", {"Quantity": 0}, "CLI example"),
    ("ConnectionAttempts", 3, "model: 'the default (if you don't specify otherwise) is 3'"),
    ("ConnectionTimeout", 10, "model: 'the default (if you don't specify otherwise) is 10 seconds'"),
)

CUSTOM_ORIGIN_DEFAULTS = (
    ("OriginReadTimeout", 30, "model: 'the default (if you don't specify otherwise) is 30 seconds'"),
    ("OriginKeepaliveTimeout", 5, "model: 'the default (if you don't specify otherwise) is 5 seconds'"),
)

BEHAVIOR_DEFAULTS = (
    (
        "AllowedMethods",
        {"Quantity": 2, "Items": ["HEAD", "GET"], "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}},
        "CLI example",
    ),
    ("TrustedSigners", {"Enabled": False, "Quantity": 0}, "CLI examples print it on every behavior"),
    ("SmoothStreaming", False, "CLI example"),
    ("Compress", False, "CLI example"),
    ("LambdaFunctionAssociations", {"Quantity": 0}, "CLI example"),
    ("FieldLevelEncryptionId", "", "CLI example"),
)

# Only with legacy cache settings: a behavior with a CachePolicyId has no TTLs of its own.
LEGACY_CACHE_DEFAULTS = (
    ("MinTTL", 0, "CLI example (sent as 0 by the CLI; CloudFormation documents 0 as the default)"),
    ("DefaultTTL", 86400, "CLI example"),
    ("MaxTTL", 31536000, "CLI example"),
)

FORWARDED_VALUES_DEFAULTS = (
    ("Headers", {"Quantity": 0}, "CLI example"),
    ("QueryStringCacheKeys", {"Quantity": 0}, "CLI example"),
)

# A custom certificate sent without a security policy: the issue this module answers
# (#11) and the console's own default since 2021 say CloudFront holds TLSv1.2_2021;
# no API document states it, so this is the one default taken on that word.
CUSTOM_CERTIFICATE_POLICY = "TLSv1.2_2021"


def _set_defaults(node, defaults):
    for field, value, _source in defaults:
        if field not in node:
            node[field] = clone(value)


def _fill_behavior(behavior):
    _set_defaults(behavior, BEHAVIOR_DEFAULTS)
    methods = behavior["AllowedMethods"]
    if isinstance(methods, dict) and "CachedMethods" not in methods:
        methods["CachedMethods"] = {"Quantity": 2, "Items": ["HEAD", "GET"]}
    forwarded = behavior.get("ForwardedValues")
    if isinstance(forwarded, dict):
        _set_defaults(behavior, LEGACY_CACHE_DEFAULTS)
        _set_defaults(forwarded, FORWARDED_VALUES_DEFAULTS)


def _fill_certificate(certificate):
    """CertificateSource and Certificate as CloudFront echoes them; the default certificate's policy.

    The model: with CloudFrontDefaultCertificate true "CloudFront automatically sets the
    security policy to TLSv1 regardless of the value that you set".
    """
    if certificate.get("ACMCertificateArn"):
        certificate.setdefault("CloudFrontDefaultCertificate", False)
        certificate.setdefault("Certificate", certificate["ACMCertificateArn"])
        certificate.setdefault("CertificateSource", "acm")
        certificate.setdefault("MinimumProtocolVersion", CUSTOM_CERTIFICATE_POLICY)
    elif certificate.get("IAMCertificateId"):
        certificate.setdefault("CloudFrontDefaultCertificate", False)
        certificate.setdefault("Certificate", certificate["IAMCertificateId"])
        certificate.setdefault("CertificateSource", "iam")
        certificate.setdefault("MinimumProtocolVersion", CUSTOM_CERTIFICATE_POLICY)
    elif certificate.get("CloudFrontDefaultCertificate"):
        certificate["MinimumProtocolVersion"] = "TLSv1"
        certificate.setdefault("CertificateSource", "cloudfront")


def fill(config: dict) -> dict:
    """A copy of a valid ``config`` with the defaults CloudFront fills in; ``config`` is not changed.

    Only absent fields are added (and the default certificate's security policy
    forced to TLSv1, as CloudFront does), so filling a config CloudFront
    returned changes nothing.
    """
    filled = clone(config)
    _set_defaults(filled, DISTRIBUTION_DEFAULTS)
    for origin in (filled.get("Origins") or {}).get("Items") or []:
        _set_defaults(origin, ORIGIN_DEFAULTS)
        if isinstance(origin.get("CustomOriginConfig"), dict):
            _set_defaults(origin["CustomOriginConfig"], CUSTOM_ORIGIN_DEFAULTS)
    if isinstance(filled.get("DefaultCacheBehavior"), dict):
        _fill_behavior(filled["DefaultCacheBehavior"])
    for behavior in filled["CacheBehaviors"].get("Items") or []:
        _fill_behavior(behavior)
    _fill_certificate(filled["ViewerCertificate"])
    return filled


def filled_fields(before: dict, after: dict) -> list[str]:
    """Dotted paths of the fields ``fill`` added or changed between ``before`` and ``after``."""
    if isinstance(before, dict) and isinstance(after, dict):
        paths = []
        for key in after:
            if key not in before:
                paths.append(key)
            else:
                subs = filled_fields(before[key], after[key])
                paths += [f"{key}{sub}" if sub.startswith("[") else f"{key}.{sub}" for sub in subs]
        return paths
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        pairs = enumerate(zip(before, after, strict=True))
        return [
            f"[{i}]" + ("" if sub == "(value)" else f".{sub}") for i, (a, b) in pairs for sub in filled_fields(a, b)
        ]
    return [] if before == after else ["(value)"]
