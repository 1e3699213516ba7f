"""Real configurations other people wrote (tests/data/real/, see SOURCES.md), through the stable commands.

For each file: ``import_distribution`` (or CloudFront's refusal, with its code), ``export_distribution``
(nothing lost or changed: only the defaults CloudFront fills, listed here per file), ``check_distribution``
(the findings, each reviewed by hand once and pinned here: no false positive), and one
``set_viewer_protocol_policy`` (only that field changes).
"""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from distributions.cloudfront import config as cfg
from distributions.cloudfront import defaults
from distributions.sandbox.models import SimulatedDistribution

from .support import REAL_CONFIGS, command_output, exported_config, import_real_config

pytestmark = pytest.mark.django_db

REAL = REAL_CONFIGS
run, import_file, export = command_output, import_real_config, exported_config

# What CloudFront fills in for every origin and behavior the file left sparse (cloudfront/defaults.py).
ORIGIN_TIMEOUTS = {"Origins.Items[].ConnectionAttempts", "Origins.Items[].ConnectionTimeout"}
CUSTOM_ORIGIN_TIMEOUTS = {
    "Origins.Items[].CustomOriginConfig.OriginKeepaliveTimeout",
    "Origins.Items[].CustomOriginConfig.OriginReadTimeout",
}
SPARSE_ORIGIN = ORIGIN_TIMEOUTS | {"Origins.Items[].CustomHeaders", "Origins.Items[].OriginPath"}
SPARSE_DEFAULT_BEHAVIOR = {
    "DefaultCacheBehavior.AllowedMethods",
    "DefaultCacheBehavior.FieldLevelEncryptionId",
    "DefaultCacheBehavior.LambdaFunctionAssociations",
    "DefaultCacheBehavior.SmoothStreaming",
    "DefaultCacheBehavior.TrustedSigners",
}
# A CDK/CloudFormation template sends little: everything its DistributionConfig leaves out.
CDK_DISTRIBUTION = {
    "Aliases",
    "CacheBehaviors",
    "CustomErrorResponses",
    "DefaultRootObject",
    "Logging",
    "OriginGroups",
    "PriceClass",
    "Restrictions",
    "ViewerCertificate",
    "WebACLId",
}
AWS_SAMPLES = (
    CDK_DISTRIBUTION - {"DefaultRootObject"}
    | SPARSE_ORIGIN
    | SPARSE_DEFAULT_BEHAVIOR
    | {"DefaultCacheBehavior.Compress", "HttpVersion", "IsIPV6Enabled"}
)

# file -> (fields CloudFront fills, findings (code, subject) after import, (behavior, policy) to set)
ACCEPTED = {
    "awscli-2015-create-distribution-s3-sslv3": (
        # 2015's response shape: the members added since, and the default certificate's policy forced to TLSv1
        ORIGIN_TIMEOUTS
        | {
            "Origins.Items[].CustomHeaders",
            "DefaultCacheBehavior.Compress",
            "DefaultCacheBehavior.FieldLevelEncryptionId",
            "DefaultCacheBehavior.ForwardedValues.QueryStringCacheKeys",
            "DefaultCacheBehavior.LambdaFunctionAssociations",
            "HttpVersion",
            "IsIPV6Enabled",
            "OriginGroups",
            "ViewerCertificate.CertificateSource",
            "ViewerCertificate.MinimumProtocolVersion (SSLv3 -> TLSv1)",
            "WebACLId",
        },
        [("allows-http", "*")],
        ("*", "redirect-to-https"),
    ),
    "awscli-create-distribution-multitenant-acm": (
        {
            "Aliases",
            "DefaultCacheBehavior.SmoothStreaming",
            "DefaultCacheBehavior.TrustedSigners",
            "IsIPV6Enabled",
            "PriceClass",
        },
        [("allows-http", "*")],
        ("*", "https-only"),
    ),
    "awscli-get-distribution-config-s3-static-site": (ORIGIN_TIMEOUTS, [("allows-http", "*")], ("*", "https-only")),
    "awscli-update-distribution-custom-origin": (
        ORIGIN_TIMEOUTS,
        # allow-all; match-viewer sends HTTP viewers' requests to the origin over HTTP; SSLv3+TLSv1 to the origin
        [("allows-http", "*"), ("http-to-origin", "*"), ("weak-origin-tls", "example-website")],
        ("*", "redirect-to-https"),
    ),
    "awssamples-cd-primary-with-continuous-deployment-policy": (AWS_SAMPLES, [], ("*", "redirect-to-https")),
    "awssamples-cd-staging-distribution": (AWS_SAMPLES, [], ("*", "redirect-to-https")),
    "c7n-2017-custom-and-s3-origins": (
        # The http-only custom origin serves no behavior, and uses no TLS: no finding about it.
        ORIGIN_TIMEOUTS
        | {
            "DefaultCacheBehavior.FieldLevelEncryptionId",
            "OriginGroups",
            "ViewerCertificate.MinimumProtocolVersion (SSLv3 -> TLSv1)",
        },
        [("allows-http", "*")],
        ("*", "https-only"),
    ),
    "c7n-terraform-acm-geo-whitelist": (
        # A GetDistributionConfig recording: CloudFront already filled everything.
        # The /content/* behaviors allow OPTIONS (CORS) but no writes; TLSv1_2016 for viewers is weak.
        set(),
        [("allows-http", "*"), ("weak-viewer-tls", None)],
        ("/content/*", "https-only"),
    ),
    "cdk-integ-cache-origin-request-response-headers-policies": (
        CDK_DISTRIBUTION | SPARSE_ORIGIN | CUSTOM_ORIGIN_TIMEOUTS | SPARSE_DEFAULT_BEHAVIOR,
        [("allows-http", "*")],
        ("*", "redirect-to-https"),
    ),
    "cdk-integ-cloudfront-function-viewer-request": (
        CDK_DISTRIBUTION | SPARSE_ORIGIN | CUSTOM_ORIGIN_TIMEOUTS | SPARSE_DEFAULT_BEHAVIOR,
        [("allows-http", "*")],
        ("*", "https-only"),
    ),
    "cdk-integ-origin-group-oac": (
        # Both behaviors route to the origin group, whose members are an S3 origin and an https-only origin.
        CDK_DISTRIBUTION - {"CacheBehaviors", "OriginGroups"}
        | SPARSE_ORIGIN
        | CUSTOM_ORIGIN_TIMEOUTS
        | SPARSE_DEFAULT_BEHAVIOR
        | {s.replace("DefaultCacheBehavior", "CacheBehaviors.Items[]") for s in SPARSE_DEFAULT_BEHAVIOR},
        [("allows-http", "/api"), ("allows-http", "*")],
        ("/api", "https-only"),
    ),
    "cdk-integ-origin-shield-logging-geo-whitelist": (
        CDK_DISTRIBUTION - {"DefaultRootObject", "Logging", "PriceClass", "Restrictions"}
        | SPARSE_ORIGIN
        | CUSTOM_ORIGIN_TIMEOUTS
        | SPARSE_DEFAULT_BEHAVIOR,
        [("allows-http", "*")],
        ("*", "redirect-to-https"),
    ),
    "mdn-primary-cdn-prod-27-behaviors": (
        # Terraform sends no TrustedSigners etc.; the ACM certificate gets CertificateSource and Certificate.
        ORIGIN_TIMEOUTS
        | {
            "Origins.Items[].CustomHeaders",
            "Origins.Items[].OriginPath",
            "CacheBehaviors.Items[].FieldLevelEncryptionId",
            "CacheBehaviors.Items[].ForwardedValues.QueryStringCacheKeys",
            "CacheBehaviors.Items[].LambdaFunctionAssociations",
            "CacheBehaviors.Items[].TrustedSigners",
            "DefaultCacheBehavior.FieldLevelEncryptionId",
            "DefaultCacheBehavior.ForwardedValues.QueryStringCacheKeys",
            "DefaultCacheBehavior.LambdaFunctionAssociations",
            "DefaultCacheBehavior.TrustedSigners",
            "DefaultRootObject",
            "OriginGroups",
            "ViewerCertificate.Certificate",
            "ViewerCertificate.CertificateSource",
            "ViewerCertificate.CloudFrontDefaultCertificate",
            "WebACLId",
        },
        # Every behavior that takes writes sits behind Redirect HTTP to HTTPS (wiki edits, profiles,
        # payments, the API, the default); the origin accepts TLSv1/1.1; viewers TLSv1.1_2016.
        [
            ("redirect-307-methods", pattern)
            for pattern in (
                "*/docs/new",
                "*/docs/preview-wiki-content",
                "*$edit",
                "*$subscribe",
                "*$subscribe_to_tree",
                "*$translate",
                "*$quick-review",
                "*$move",
                "*$delete",
                "*$revert/*",
                "*$purge",
                "*$files",
                "*/docs/*",
                "users/*",
                "*/users/*",
                "*/profile/*",
                "*/profiles/*",
                "*/unsubscribe/*",
                "*/payments/*",
                "admin/*",
                "api/*",
                "*",
            )
        ]  # fmt: skip
        + [("weak-origin-tls", "mdn-primary-cdn-prod"), ("weak-viewer-tls", None)],
        ("api/*", "https-only"),
    ),
    # Converted from ListDistributions summaries (SOURCES.md): summaries carry no Logging or DefaultRootObject.
    "c7n-lambda-edge-behaviors": ({"DefaultRootObject", "Logging"}, [("allows-http", "*")], ("*", "redirect-to-https")),
    "c7n-lambda-edge-oai": ({"DefaultRootObject", "Logging"}, [("allows-http", "*")], ("*", "https-only")),
    "misyuro-s3-geo-blacklist-error-pages": (
        SPARSE_ORIGIN
        | SPARSE_DEFAULT_BEHAVIOR - {"DefaultCacheBehavior.AllowedMethods"}
        | {
            "Aliases",
            "CacheBehaviors",
            "DefaultCacheBehavior.Compress",
            "DefaultCacheBehavior.ForwardedValues.Headers",
            "DefaultCacheBehavior.ForwardedValues.QueryStringCacheKeys",
            "HttpVersion",
            "Logging",
            "OriginGroups",
            "ViewerCertificate.CertificateSource",
            "ViewerCertificate.MinimumProtocolVersion",
            "WebACLId",
        },
        [("allows-http", "*")],
        ("*", "https-only"),
    ),
}

# file -> (CloudFront's code, words of the message): real configurations CloudFront refuses today.
REFUSED = {
    # refused/: see SOURCES.md
    "refused/cloudgov-edb-legacy-cdn-broker-acme-behavior": ("InvalidArgument", "origin name must be a domain name"),
    "refused/c7n-s3-origin-without-origin-config": ("InvalidArgument", "The parameter ForwardedValues is required."),
    # SOURCES.md expects MalformedInput (unverified); CloudFront's request validation answers MalformedXML
    # for what botocore's model rejects (aws/aws-cli#6275), missing required members included. The import
    # checks the file against the same model before asking CloudFront, and names the member (no code).
    "refused/c7n-logging-only-stub": (None, "DistributionConfig.CallerReference: missing required member"),
    # CloudFormation user-guide examples from before 2019: aliases with the default certificate, which
    # CloudFront refuses since it requires a certificate covering each alternate domain name.
    "cfn-userguide-custom-origin-wildcard-alias-error-page": ("InvalidViewerCertificate", "default *.cloudfront.net"),
    "cfn-userguide-multi-origin-behaviors": ("InvalidViewerCertificate", "default *.cloudfront.net"),
    "cfn-userguide-s3-oai-trusted-signers-geo-whitelist": ("InvalidViewerCertificate", "default *.cloudfront.net"),
}


def original(name):
    return json.loads((REAL / f"{name}.json").read_text())["DistributionConfig"]


def filled(before, after):
    """The fields CloudFront added or changed, list indexes folded: ``Origins.Items[].ConnectionAttempts``."""
    found = set()
    for path in defaults.filled_fields(before, after):
        path = re.sub(r"\[\d+\]", "[]", path)
        if path.endswith(".(value)"):
            field = path.removesuffix(".(value)")
            path = f"{field} ({_value(before, field)} -> {_value(after, field)})"
        found.add(path)
    return found


def _value(config, dotted):
    node = config
    for key in dotted.split("."):
        node = node[key]
    return node


def findings(distribution_id):
    out = StringIO()
    try:
        call_command("check_distribution", distribution_id, "--format", "json", stdout=out)
    except SystemExit:
        pass
    return [(f["code"], f["path_pattern"] or f["origin_id"] or f["alias"]) for f in json.loads(out.getvalue())]


def test_every_file_of_the_corpus_is_pinned():
    names = {str(p.relative_to(REAL).with_suffix("")) for p in REAL.rglob("*.json")}
    assert names == set(ACCEPTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
class TestAccepted:
    def test_it_round_trips_with_only_cloudfronts_defaults_added(self, name):
        expected_filled, _, _ = ACCEPTED[name]
        exported = export(import_file(name))
        assert filled(original(name), exported) == expected_filled

    def test_the_checker_finds_what_is_there_and_nothing_else(self, name):
        _, expected_findings, _ = ACCEPTED[name]
        assert findings(import_file(name)) == expected_findings

    def test_setting_one_viewer_protocol_policy_changes_only_that_field(self, name):
        _, _, (pattern, policy) = ACCEPTED[name]
        distribution_id = import_file(name)
        before = export(distribution_id)
        run("set_viewer_protocol_policy", distribution_id, pattern, policy)
        after = export(distribution_id)
        behavior = cfg.find_behavior(before, pattern)
        field = (
            "DefaultCacheBehavior.ViewerProtocolPolicy"
            if behavior.is_default
            else f"CacheBehaviors.Items[{behavior.precedence}].ViewerProtocolPolicy"
        )
        assert cfg.diff(before, after) == [(field, behavior.viewer_protocol_policy, policy)]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_cloudfront_refuses_it_with_its_code_and_nothing_is_imported(name):
    code, words = REFUSED[name]
    with pytest.raises(CommandError) as error:
        run("import_distribution", str(REAL / f"{name}.json"))
    assert code is None or f": {code}: " in str(error.value)
    assert words in str(error.value)
    assert not SimulatedDistribution.objects.exists()
