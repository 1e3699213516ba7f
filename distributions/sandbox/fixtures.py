"""Sandbox CloudFront distributions used to seed the console.

Each entry of ``SANDBOX_CONFIGS`` is a ``DistributionConfig`` in the JSON shape
printed by ``aws cloudfront get-distribution-config`` (API version 2020-05-31).
Service-assigned fields (Id, ARN, ETag, Status, DomainName) are deliberately
absent.  Pure Python: no Django and no third-party imports.
"""

import copy

ACCOUNT_ID = "123456789012"

# AWS managed policies (real, global IDs).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

# The only AllowedMethods / CachedMethods sets CloudFront accepts.
GET_HEAD = ["HEAD", "GET"]
GET_HEAD_OPTIONS = ["HEAD", "GET", "OPTIONS"]
ALL_METHODS = ["HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH"]


def _items(items=()):
    """A {Quantity, Items} pair; Items is omitted when the list is empty."""
    items = list(items)
    if not items:
        return {"Quantity": 0}
    return {"Quantity": len(items), "Items": items}


def _s3_origin(origin_id, bucket, region="us-east-1", oac_id="E2QWRUHAPOMQZL"):
    return {
        "Id": origin_id,
        "DomainName": f"{bucket}.s3.{region}.amazonaws.com",
        "OriginPath": "",
        "CustomHeaders": _items(),
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "ConnectionAttempts": 3,
        "ConnectionTimeout": 10,
        "OriginShield": {"Enabled": False},
        "OriginAccessControlId": oac_id,
    }


def _custom_origin(origin_id, domain, policy, origin_path="", read_timeout=30):
    return {
        "Id": origin_id,
        "DomainName": domain,
        "OriginPath": origin_path,
        "CustomHeaders": _items(),
        "CustomOriginConfig": {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": policy,
            "OriginSslProtocols": _items(["TLSv1.2"]),
            "OriginReadTimeout": read_timeout,
            "OriginKeepaliveTimeout": 5,
        },
        "ConnectionAttempts": 3,
        "ConnectionTimeout": 10,
        "OriginShield": {"Enabled": False},
        "OriginAccessControlId": "",
    }


def _behavior(
    target,
    policy,
    methods=GET_HEAD,
    pattern=None,
    cache_policy=CACHING_OPTIMIZED,
    origin_request_policy=None,
    compress=True,
):
    """A cache behavior; the default behavior when ``pattern`` is None."""
    cached = GET_HEAD_OPTIONS if "OPTIONS" in methods else GET_HEAD
    behavior = {} if pattern is None else {"PathPattern": pattern}
    behavior.update(
        {
            "TargetOriginId": target,
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
            "TrustedKeyGroups": {"Enabled": False, "Quantity": 0},
            "ViewerProtocolPolicy": policy,
            "AllowedMethods": dict(_items(methods), CachedMethods=_items(cached)),
            "SmoothStreaming": False,
            "Compress": compress,
            "LambdaFunctionAssociations": _items(),
            "FunctionAssociations": _items(),
            "FieldLevelEncryptionId": "",
            "CachePolicyId": cache_policy,
        }
    )
    if origin_request_policy:
        behavior["OriginRequestPolicyId"] = origin_request_policy
    return behavior


def _default_certificate():
    return {
        "CloudFrontDefaultCertificate": True,
        "MinimumProtocolVersion": "TLSv1",
        "CertificateSource": "cloudfront",
    }


def _acm_certificate(cert_uuid):
    arn = f"arn:aws:acm:us-east-1:{ACCOUNT_ID}:certificate/{cert_uuid}"
    return {
        "CloudFrontDefaultCertificate": False,
        "ACMCertificateArn": arn,
        "SSLSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "Certificate": arn,
        "CertificateSource": "acm",
    }


def _logging(bucket="", prefix=""):
    return {"Enabled": bool(bucket), "IncludeCookies": False, "Bucket": bucket, "Prefix": prefix}


def _distribution(
    reference,
    comment,
    origins,
    default_behavior,
    behaviors=(),
    aliases=(),
    default_root_object="",
    certificate=None,
    logging=None,
    price_class="PriceClass_All",
    enabled=True,
):
    return {
        "CallerReference": reference,
        "Aliases": _items(aliases),
        "DefaultRootObject": default_root_object,
        "Origins": _items(origins),
        "OriginGroups": _items(),
        "DefaultCacheBehavior": default_behavior,
        "CacheBehaviors": _items(behaviors),
        "CustomErrorResponses": _items(),
        "Comment": comment,
        "Logging": logging or _logging(),
        "PriceClass": price_class,
        "Enabled": enabled,
        "ViewerCertificate": certificate or _default_certificate(),
        "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        "WebACLId": "",
        "HttpVersion": "http2",
        "IsIPV6Enabled": True,
        "ContinuousDeploymentPolicyId": "",
        "Staging": False,
    }


def _static_site():
    s3 = "example-static-site.s3.us-east-1.amazonaws.com"
    return _distribution(
        "sandbox-static-site",
        "Static website served from a private S3 bucket via origin access control",
        origins=[_s3_origin(s3, "example-static-site")],
        default_behavior=_behavior(s3, "allow-all"),
        behaviors=[
            _behavior(s3, "allow-all", pattern="/images/*"),
            _behavior(s3, "allow-all", pattern="/css/*"),
        ],
        default_root_object="index.html",
        price_class="PriceClass_100",
    )


def _api():
    api, assets = "api-origin", "api-static-assets"
    return _distribution(
        "sandbox-api",
        "REST API on api.example.com; /api/* and /v1/orders/* uncached, /static/* from S3",
        origins=[
            _custom_origin(api, "api.example.com", "https-only"),
            _s3_origin(assets, "example-api-static", oac_id="E1VHX6Z3K9QW2T"),
        ],
        default_behavior=_behavior(api, "allow-all", GET_HEAD_OPTIONS),
        behaviors=[
            _behavior(api, "redirect-to-https", ALL_METHODS, "/api/*", CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST_HEADER),
            _behavior(api, "allow-all", ALL_METHODS, "/v1/orders/*", CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST_HEADER),
            _behavior(assets, "redirect-to-https", GET_HEAD, "/static/*"),
        ],
    )


def _alias_site():
    main, blog = "main-site", "legacy-blog"
    return _distribution(
        "sandbox-alias-site",
        "www.example.com and example.com with ACM certificate; /blog/* still on legacy HTTP host",
        origins=[
            _custom_origin(main, "origin.example.com", "match-viewer"),
            _custom_origin(blog, "legacy-blog.example.net", "http-only"),
        ],
        default_behavior=_behavior(
            main, "redirect-to-https", GET_HEAD_OPTIONS, origin_request_policy=ALL_VIEWER_EXCEPT_HOST_HEADER
        ),
        behaviors=[
            _behavior(
                blog,
                "redirect-to-https",
                ALL_METHODS,
                "/blog/wp-admin/*",
                CACHING_DISABLED,
                ALL_VIEWER_EXCEPT_HOST_HEADER,
            ),
            _behavior(blog, "allow-all", GET_HEAD, "/blog/*"),
            _behavior(blog, "allow-all", ALL_METHODS, "*.php", CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST_HEADER),
            _behavior(main, "allow-all", GET_HEAD, "/assets/*"),
        ],
        aliases=["www.example.com", "example.com"],
        certificate=_acm_certificate("8f3c2a1e-5b7d-4e9a-9c61-2d4f7b8e0a13"),
        price_class="PriceClass_200",
    )


def _large_catalog():
    assets, web, api = "catalog-assets-s3", "catalog-web-app", "catalog-api"

    def page(pattern, policy="redirect-to-https", methods=GET_HEAD, cache=CACHING_OPTIMIZED):
        orp = ALL_VIEWER_EXCEPT_HOST_HEADER if cache == CACHING_DISABLED else None
        return _behavior(web, policy, methods, pattern, cache, orp)

    def asset(pattern, policy="allow-all", methods=GET_HEAD):
        return _behavior(assets, policy, methods, pattern)

    behaviors = [
        # Most specific first: /product/*/reviews must precede /product/*.
        page("/product/*/reviews", methods=GET_HEAD_OPTIONS, cache=CACHING_DISABLED),
        page("/product/*"),
        page("/category/*"),
        page("/search*", cache=CACHING_DISABLED),
        page("/cart/*", "https-only", ALL_METHODS, CACHING_DISABLED),
        page("/checkout/*", "https-only", ALL_METHODS, CACHING_DISABLED),
        page("/account/*", "redirect-to-https", ALL_METHODS, CACHING_DISABLED),
        _behavior(api, "https-only", ALL_METHODS, "/api/v2/*", CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST_HEADER),
        asset("/img/*.jpg"),
        asset("/img/*.png"),
        asset("/img/*.webp"),
        asset("/fonts/*", methods=GET_HEAD_OPTIONS),
        asset("/js/*", "redirect-to-https"),
        asset("/css/*", "redirect-to-https"),
        _behavior(assets, "redirect-to-https", GET_HEAD, "/media/video/*", compress=False),
        _behavior(assets, "redirect-to-https", GET_HEAD, "/downloads/*", compress=False),
        page("/help/*", "allow-all"),
        page("/legal/*", "allow-all"),
        asset("/sitemap*.xml"),
        asset("/robots.txt"),
        page("/.well-known/*", "allow-all"),
        page("/health", "allow-all", cache=CACHING_DISABLED),
    ]
    return _distribution(
        "sandbox-large-catalog",
        "Retail storefront: 22 behaviors across S3 assets, the web app and the v2 API",
        origins=[
            _s3_origin(assets, "example-catalog-assets", oac_id="E3K8PZ1MNB4R7C"),
            _custom_origin(web, "shop-app.example.com", "https-only"),
            _custom_origin(api, "catalog-api.example.com", "https-only", read_timeout=60),
        ],
        default_behavior=page(None),
        behaviors=behaviors,
        logging=_logging("example-cloudfront-logs.s3.amazonaws.com", "catalog/"),
    )


def _disabled_legacy():
    old = "legacy-www"
    return _distribution(
        "sandbox-disabled-legacy",
        "Legacy marketing site (retired 2021), kept disabled for reference - safe to delete",
        origins=[_custom_origin(old, "old-www.example.org", "http-only")],
        default_behavior=_behavior(old, "allow-all"),
        behaviors=[_behavior(old, "allow-all", pattern="/promo/*")],
        default_root_object="index.html",
        price_class="PriceClass_100",
        enabled=False,
    )


SANDBOX_CONFIGS: list[dict] = [
    _static_site(),
    _api(),
    _alias_site(),
    _large_catalog(),
    _disabled_legacy(),
]


def sandbox_configs() -> list[dict]:
    """Deep copies of SANDBOX_CONFIGS, safe for callers to mutate."""
    return copy.deepcopy(SANDBOX_CONFIGS)
