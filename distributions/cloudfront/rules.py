"""CloudFront's rules for a DistributionConfig, each with the error CloudFront answers.

``problems`` yields every rule a config breaks, in the order CloudFront checks
them: the request validation of botocore's model first (``MalformedXML``:
CloudFront validates types and enumerations while it parses the request, so a
bad ViewerProtocolPolicy or ``HttpVersion: HTTP2`` never reaches its other
rules), then list quantities, then CloudFront's own rules. ``validate`` raises
the first, as CloudFront answers with one error.

Messages quote CloudFront's where a public source recorded them (cited next to
each); the others are written in the same style.
"""

from collections.abc import Iterator

from . import patterns, service_model
from .certificates import covers
from .errors import ConfigError
from .quotas import DEFAULT, Quotas

# Lengths CloudFront enforces that botocore's model does not carry. The mirror's columns are sized from
# them (distributions/models.py), so that every config CloudFront accepts fits.
MAX_COMMENT = 128  # API Reference, DistributionConfig: "The comment cannot be longer than 128 characters."
# CloudFront publishes no length for an origin (or origin group) ID; the console refuses IDs over 128
# characters, the width its mirror has always had, rather than failing later on a longer one.
MAX_ORIGIN_ID = 128
MAX_DOMAIN_NAME = 253  # RFC 1035 section 2.3.4: 255 octets on the wire, 253 characters as text
MAX_DEFAULT_ROOT_OBJECT = 255  # Developer Guide, "Default root object": "a maximum of 255 characters"
# "All alternate domain names (CNAMEs) must be lowercase" (Developer Guide, "Requirements for
# using alternate domain names"); CloudFront's answer, recorded in ansible/ansible#31284:
BAD_CNAME = "The parameter CNAME contains one or more parameters that are not valid."
# terraform-provider-aws#13828, widdix/aws-cf-templates#452:
NOT_COVERED = (
    "The certificate that is attached to your distribution doesn't cover the alternate domain name (CNAME) "
    "that you're trying to add. For more details, see: "
    "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html#alternate-domain-names-requirements"
)
# The answer to an ACM certificate outside us-east-1 (or unknown to ACM).
BAD_CERTIFICATE = (
    "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, "
    "or doesn't include a valid certificate chain."
)
_LABEL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def origin_domain_error(domain: str) -> str | None:
    """Why CloudFront refuses an origin's DomainName, or None; its own wording (laurilehmijoki/s3_website#83,
    aws/aws-cdk#25110)."""
    if ":" in domain:
        return "The parameter origin name cannot contain a colon."
    if len(domain) > MAX_DOMAIN_NAME:
        return f"The parameter origin name is longer than {MAX_DOMAIN_NAME} characters."
    labels = domain.lower().rstrip(".").split(".")
    if labels == ["localhost"]:
        return None  # CloudFront would refuse it; the sandbox edge serves local origins by that name (README)
    if len(labels) < 2 or any(not 0 < len(label) <= 63 or not set(label) <= _LABEL for label in labels):
        return "The parameter origin name must be a domain name."
    return None


def origin_path_error(path: str | None) -> str | None:
    """Why CloudFront refuses an OriginPath, or None: "The path should start with a forward slash (/) but
    shouldn't end with one" (Developer Guide, "Origin path"); CloudFront's wording is not recorded."""
    if path and (not path.startswith("/") or path.endswith("/")):
        return f"The parameter origin path {path!r} must begin with a slash (/) and must not end with one."
    return None


def _items(container):
    return (container or {}).get("Items") or [] if isinstance(container, dict) else []


def _behaviors(config):
    """(label, behavior dict, pattern or None, path) in evaluation order, default last."""
    found = [
        (f"cache behavior {b.get('PathPattern')!r}", b, b.get("PathPattern"), ("CacheBehaviors", "Items", index))
        for index, b in enumerate(_items(config.get("CacheBehaviors")))
    ]
    return found + [
        ("default cache behavior", config.get("DefaultCacheBehavior") or {}, None, ("DefaultCacheBehavior",))
    ]


def _quantities(node, path):
    if isinstance(node, dict):
        if "Quantity" in node:
            listed = node.get("Items") or []
            if node["Quantity"] != len(listed):
                where = next((part for part in reversed(path) if isinstance(part, str)), "DistributionConfig")
                # CloudFront's wording, recorded in laurilehmijoki/s3_website#191.
                yield ConfigError(
                    "InconsistentQuantities",
                    f"The specified quantity of {where} ({node['Quantity']}) does not match the actual quantity "
                    f"supplied ({len(listed)}).",
                    field=(*path, "Quantity"),
                )
        for key, value in node.items():
            yield from _quantities(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _quantities(value, (*path, index))


def _origins(config, quotas):
    origin_list = _items(config.get("Origins"))
    if not origin_list:
        yield ConfigError("InvalidArgument", "A distribution needs at least one origin.", field=("Origins",))
    if len(origin_list) > quotas.origins:
        yield ConfigError(
            "TooManyOrigins",
            f"You cannot create more origins for the distribution (quota: {quotas.origins}).",
            field=("Origins", "Quantity"),
        )
    ids = [o.get("Id") for o in origin_list]
    if len(set(ids)) != len(ids):
        yield ConfigError("InvalidArgument", "Origin IDs must be unique within a distribution.", field=("Origins",))
    for index, origin in enumerate(origin_list):
        yield from _origin(origin, ("Origins", "Items", index))


def _origin(origin, path):
    if not origin.get("Id") or not origin.get("DomainName"):
        yield ConfigError("InvalidArgument", "Every origin needs an Id and a DomainName.", field=path)
        return
    if len(origin["Id"]) > MAX_ORIGIN_ID:
        yield ConfigError(
            "InvalidArgument", f"The origin ID is longer than {MAX_ORIGIN_ID} characters.", field=(*path, "Id")
        )
    for member, problem in (
        ("DomainName", origin_domain_error(origin["DomainName"])),
        ("OriginPath", origin_path_error(origin.get("OriginPath"))),
    ):
        if problem:
            yield ConfigError("InvalidArgument", f"{problem} (origin {origin['Id']!r})", field=(*path, member))
    oai = (origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity")
    if oai and origin.get("OriginAccessControlId"):
        # The model's description of IllegalOriginAccessConfiguration.
        yield ConfigError(
            "IllegalOriginAccessConfiguration",
            f"Origin {origin.get('Id')!r}: an origin cannot contain both an origin access control (OAC) "
            "and an origin access identity (OAI).",
            field=path,
        )


def _origin_groups(config, quotas):
    origin_ids = {o.get("Id") for o in _items(config.get("Origins"))}
    groups = _items(config.get("OriginGroups"))
    if len(groups) > quotas.origin_groups:
        yield ConfigError(
            "TooManyOriginGroupsPerDistribution",
            "Processing your request would cause you to exceed the maximum number of origin groups allowed "
            f"(quota: {quotas.origin_groups}).",
        )
    seen = set()
    for index, group in enumerate(groups):
        group_id = group.get("Id")
        path = ("OriginGroups", "Items", index, "Id")
        if group_id in origin_ids or group_id in seen:
            yield ConfigError(
                "InvalidArgument", f"Origin group ID {group_id!r} is already used by an origin or group.", field=path
            )
        elif isinstance(group_id, str) and len(group_id) > MAX_ORIGIN_ID:
            yield ConfigError(
                "InvalidArgument", f"The origin group ID is longer than {MAX_ORIGIN_ID} characters.", field=path
            )
        seen.add(group_id)
        for member in _items(group.get("Members")):
            if member.get("OriginId") not in origin_ids:
                yield ConfigError(
                    "NoSuchOrigin",
                    f"Origin group {group_id!r} names {member.get('OriginId')!r}, which is not an origin.",
                )


def _behavior(label, data, targets, path):
    if data.get("TargetOriginId") not in targets:
        yield ConfigError(
            "NoSuchOrigin",
            f"The {label} routes to {data.get('TargetOriginId')!r}, which is neither an origin nor an origin group "
            "of this distribution.",
            field=(*path, "TargetOriginId"),
        )
    methods = frozenset(_items(data.get("AllowedMethods")))
    if data.get("AllowedMethods") is not None and methods not in METHOD_SETS:
        yield ConfigError(
            "InvalidArgument",
            f"The {label} has AllowedMethods {sorted(methods)}; CloudFront accepts GET+HEAD, GET+HEAD+OPTIONS, "
            "or all seven methods.",
        )
    if data.get("CachePolicyId") and data.get("ForwardedValues") is not None:
        # terraform-aws-modules/terraform-aws-cloudfront#40 records this answer.
        yield ConfigError(
            "InvalidArgument",
            "The parameter ForwardedValues cannot be used when a cache policy is associated to the cache behavior.",
        )
    if not data.get("CachePolicyId") and data.get("ForwardedValues") is None:
        # The model: "A CacheBehavior must include either a CachePolicyId or ForwardedValues"; the answer's
        # wording is recorded in cloudposse/terraform-aws-cloudfront-s3-cdn#252.
        yield ConfigError("InvalidArgument", f"The parameter ForwardedValues is required. ({label})")


METHOD_SETS = (
    frozenset({"GET", "HEAD"}),
    frozenset({"GET", "HEAD", "OPTIONS"}),
    frozenset(service_model.enum("Method")),
)


def _all_behaviors(config, quotas):
    cache_behaviors = _items(config.get("CacheBehaviors"))
    if len(cache_behaviors) > quotas.cache_behaviors:
        yield ConfigError(
            "TooManyCacheBehaviors",
            f"You cannot create more cache behaviors for the distribution: at most {quotas.cache_behaviors} "
            f"besides the default, this one has {len(cache_behaviors)}.",
        )
    targets = {o.get("Id") for o in _items(config.get("Origins"))}
    targets |= {g.get("Id") for g in _items(config.get("OriginGroups"))}
    seen = {}
    for label, data, pattern, path in _behaviors(config):
        if pattern is not None:
            error = patterns.pattern_error(pattern)
            if error:
                yield ConfigError("InvalidArgument", error, field=(*path, "PathPattern"))
                continue
            # The leading "/" is optional, so "content/*" and "/content/*" are the same pattern.
            key = patterns.normalize(pattern)
            if key in seen:
                yield ConfigError(
                    "InvalidArgument",
                    f"The path pattern {pattern!r} repeats {seen[key]!r} (a leading '/' is optional); "
                    "each cache behavior needs its own path pattern.",
                    field=(*path, "PathPattern"),
                )
            seen.setdefault(key, pattern)
        yield from _behavior(label, data, targets, path)


def alias_error(alias: object) -> str | None:
    """Why CloudFront refuses an alternate domain name, or None.

    Lower-case DNS labels, optionally behind one leading ``*.`` (Developer Guide,
    "Use wildcards in alternate domain names"); upper case is refused.
    """
    if not isinstance(alias, str) or not alias or len(alias) > 253:
        return BAD_CNAME
    labels = alias[2:].split(".") if alias.startswith("*.") else alias.split(".")
    if len(labels) < 2 or not labels[-1][:1].isalpha():
        return BAD_CNAME
    for label in labels:
        if not 0 < len(label) <= 63 or not set(label) <= _LABEL or label[0] == "-" or label[-1] == "-":
            return BAD_CNAME
    return None


def _aliases(config, quotas, certificate_names):
    alias_list = _items(config.get("Aliases"))
    for index, alias in enumerate(alias_list):
        if alias_error(alias):
            yield ConfigError(
                "InvalidArgument",
                f"{BAD_CNAME} ({alias!r} is not a valid alternate domain name: use lower-case DNS names such as "
                "www.example.com, or a wildcard such as *.example.com)",
                field=("Aliases", "Items", index),
            )
    if len(alias_list) > quotas.aliases:
        yield ConfigError(
            "TooManyDistributionCNAMEs",
            f"Your request contains more CNAMEs than are allowed per distribution (quota: {quotas.aliases}).",
        )
    certificate = config.get("ViewerCertificate") or {}
    custom = certificate.get("ACMCertificateArn") or certificate.get("IAMCertificateId")
    if alias_list and not custom:
        yield ConfigError(
            "InvalidViewerCertificate",
            "Alternate domain names need a custom SSL/TLS certificate that covers them; the default "
            "*.cloudfront.net certificate cannot.",
        )
    if alias_list and custom and certificate_names is not None:
        for alias in alias_list:
            if not covers(certificate_names, alias):
                yield ConfigError("InvalidViewerCertificate", f"{NOT_COVERED} ({alias})")


def _certificate(config):
    certificate = config.get("ViewerCertificate") or {}
    arn = certificate.get("ACMCertificateArn")
    if arn and not arn.startswith("arn:aws:acm:us-east-1:"):
        yield ConfigError("InvalidViewerCertificate", BAD_CERTIFICATE)
    if certificate.get("SSLSupportMethod") == "sni-only" and certificate.get("MinimumProtocolVersion") == "SSLv3":
        # The model: "When you're using SNI only ... you must specify TLSv1 or higher"; the
        # answer's wording is recorded in cloudtools/troposphere#218.
        yield ConfigError(
            "InvalidArgument",
            "The parameter ViewerCertificate the specified distribution is configured for SNI and the Minimum SSL "
            "Protocol Version is specified as SSLv3. You cannot specify both.",
        )


def _distribution(config):
    comment = config.get("Comment")
    if isinstance(comment, str) and len(comment) > MAX_COMMENT:
        yield ConfigError(
            "InvalidArgument",
            f"The parameter Comment is too long: at most {MAX_COMMENT} characters.",
            field=("Comment",),
        )
    root_object = config.get("DefaultRootObject")
    if isinstance(root_object, str) and len(root_object) > MAX_DEFAULT_ROOT_OBJECT:
        # The model's description of InvalidDefaultRootObject: "too big or contains an invalid character".
        yield ConfigError(
            "InvalidDefaultRootObject",
            f"The default root object is longer than {MAX_DEFAULT_ROOT_OBJECT} characters.",
            field=("DefaultRootObject",),
        )
    if config.get("Staging") and config.get("HttpVersion") in ("http3", "http2and3"):
        # Developer Guide, continuous deployment quotas: staging distributions do not support HTTP/3.
        yield ConfigError(
            "InvalidArgument", "A staging distribution cannot use HTTP/3: set HttpVersion to http1.1 or http2."
        )


def problems(config: dict, quotas: Quotas = DEFAULT, certificate_names: list | None = None) -> Iterator[ConfigError]:
    """Every rule ``config`` breaks, as ConfigErrors, in the order CloudFront checks them.

    ``certificate_names``: the names the custom certificate covers, when known
    (None skips the coverage check: CloudFront checks it, but only the backend
    holding the certificate can).
    """
    if not isinstance(config, dict):
        yield ConfigError("MalformedInput", "A DistributionConfig must be a JSON object.")
        return
    violations = service_model.violations(config)
    if violations:
        messages = [v.cloudfront_message() for v in violations]
        yield ConfigError("MalformedXML", service_model.malformed_message(messages), field=violations[0].path)
        return
    quantities = list(_quantities(config, ()))
    if quantities:
        yield from quantities
        return
    yield from _distribution(config)
    yield from _origins(config, quotas)
    yield from _origin_groups(config, quotas)
    yield from _all_behaviors(config, quotas)
    yield from _aliases(config, quotas, certificate_names)
    yield from _certificate(config)


def validate(config: dict, quotas: Quotas = DEFAULT, certificate_names: list | None = None) -> None:
    """Raise the ConfigError CloudFront would answer with, or return when it would accept ``config``."""
    for problem in problems(config, quotas, certificate_names):
        raise problem
