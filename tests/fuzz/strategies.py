"""Hypothesis strategies for the fuzz suite: what a user can type, paste, import or script.

- ``shaped(name)``: any value botocore's CloudFront model allows for the shape ``name``
  (types, required members, enumerations, lengths, integer ranges, XML's characters),
  with every ``Quantity`` equal to its ``Items``' length. Most such configs still break
  one of CloudFront's own rules (an unknown TargetOriginId…): good for the refusals.
- ``distribution_configs()``: configs CloudFront accepts, built on the model's enums with
  hostile but legal strings (origin IDs with ``/``, spaces and any Unicode; every path
  pattern character CloudFront allows), plus optional members drawn from the model.
- ``near_valid(configs)``: one of those with one member broken the ways a hand-edited
  file is: a wrong type, a member gone, a huge or negative number, NaN, NUL, a lone
  surrogate, odd Unicode, an unknown member, a Quantity that lies.
- ``path_patterns()``, ``urls(hosts)``, ``hostile_text()``: for fields and parameters.
"""

import math
import string

from hypothesis import strategies as st

from distributions.cloudfront import patterns, service_model

# Strings that broke (or could break) something somewhere: parsers, converters, databases, templates.
SPECIAL_STRINGS = (
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "9" * 30,
    "9" * 5000,
    "*",
    "/*",
    "/",
    "//",
    "../..",
    "%",
    "%00",
    "%zz",
    "a/b",
    "S3-bucket/images",
    "http://[abc/",
    "http://",
    "<script>alert(1)</script>",
    "{{ request }}",
    "' OR 1=1 --",
    "İ",  # lower() makes it two characters
    "ß",
    "\u202etxt.exe",  # right-to-left override
    "a\u200bb",  # zero-width space
    "e\u0301",  # combining accent
    "／",  # fullwidth solidus
    "🙂",
    "\t\r\n",
    "a\x00b",
    "x" * 10_000,
)
# Characters XML 1.0 (and so CloudFront's API) cannot carry; lone surrogates cannot even be encoded in UTF-8.
NOT_XML = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]))


def hostile_text(max_size=60):
    """Text a person can put in a field or a query string: any Unicode scalar (no lone surrogate, which no
    HTTP request can carry), NUL and control characters included, or one of the special strings."""
    return st.one_of(
        st.sampled_from(SPECIAL_STRINGS),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=max_size),
        st.text(alphabet=string.printable, max_size=max_size),
    )


def argv_text(max_size=40):
    """An argument from a shell: no NUL (the kernel cannot pass one), but bytes that are not UTF-8 arrive as
    Python's surrogate escapes (``$'\\xff'`` is ``"\\udcff"``)."""
    escaped = st.binary(min_size=1, max_size=8).map(lambda b: b.decode("utf-8", "surrogateescape"))
    return st.one_of(hostile_text(max_size), escaped, st.tuples(hostile_text(10), escaped).map("".join)).map(
        lambda s: s.replace("\x00", "")
    )


def json_text(max_size=40):
    """Text a JSON document can hold: anything, lone surrogates (``\\ud800``) included."""
    return st.one_of(hostile_text(max_size), st.text(max_size=max_size))


def xml_text(min_size=0, max_size=40):
    """Text CloudFront's XML API accepts: any Unicode scalar but the control characters XML forbids."""
    return st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters=NOT_XML), min_size=min_size, max_size=max_size
    )


# --- botocore's model ------------------------------------------------------------------------------------------

_RANGES = {"integer": 2**31, "long": 2**63}


def _string(node):
    if node.enum:
        return st.sampled_from(list(node.enum))
    low, high = node.metadata.get("min", 0), node.metadata.get("max")
    high = min(high if high is not None else 30, max(low, 30))
    return xml_text(min_size=low, max_size=high)


def _list(node, depth):
    low = node.metadata.get("min", 0)
    high = min(node.metadata.get("max", 3), low + 2 if depth < 4 else low)
    return st.lists(shaped_node(node.member, depth + 1), min_size=low, max_size=max(low, high))


def _structure(node, depth):
    required = {name: shaped_node(node.members[name], depth + 1) for name in node.required_members}
    # Deep down, only what is required: botocore's shapes are recursive enough to nest for ever.
    optional = {} if depth > 3 else {name: shaped_node(member, depth + 1) for name, member in node.members.items()}
    for name in required:
        optional.pop(name, None)
    return st.fixed_dictionaries(required, optional=optional).map(_consistent)


def _consistent(value):
    """A CloudFront list wrapper whose Quantity says how many Items it holds, as CloudFront requires."""
    if "Quantity" in value:
        value["Quantity"] = len(value.get("Items") or [])
    return value


def shaped_node(node, depth=0):
    """Any value the model allows for the botocore ``Shape`` ``node``."""
    kind = node.type_name
    if kind == "structure":
        return _structure(node, depth)
    if kind == "list":
        return _list(node, depth)
    if kind == "string":
        return _string(node)
    if kind in _RANGES:
        return st.integers(-_RANGES[kind], _RANGES[kind] - 1) | st.integers(0, 86_400)
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False)
    return st.none()  # timestamps and blobs: no DistributionConfig member is one


def shaped(shape_name):
    """Any value botocore's CloudFront model allows for the shape called ``shape_name``."""
    return shaped_node(service_model.shape(shape_name))


# --- configs CloudFront accepts ----------------------------------------------------------------------------------

# Every character CloudFront allows in a path pattern, with the ones that mean something in a URL first.
PATTERN_ALPHABET = "".join(sorted(patterns.ALLOWED_CHARACTERS, key=lambda c: (c.isalnum(), c)))
# Origin IDs CloudFront allows that once broke the console: "/", spaces, query-string syntax, Unicode.
ODD_ORIGIN_IDS = ("S3-bucket/images", "origin with spaces", "orígen-ü-🙂", "a?b#c&d=e%2F", "..", "%2e%2e", "-")


def path_patterns():
    """Path patterns CloudFront accepts (at most 255 of its allowed characters)."""
    return st.one_of(
        st.text(PATTERN_ALPHABET, min_size=1, max_size=40),
        st.sampled_from(["*", "/*", "*.jpg", "/images/*", "/a&b?c:d", "/~user/'q'\"", "/$@:+"]),
        st.text(PATTERN_ALPHABET, min_size=250, max_size=255),
    ).filter(patterns.is_valid)


def any_path_patterns():
    """A path pattern argument as typed: valid ones, or anything at all."""
    return path_patterns() | hostile_text()


def origin_ids():
    return st.sampled_from(ODD_ORIGIN_IDS) | xml_text(min_size=1, max_size=128).filter(lambda s: s.strip())


def dns_names():
    label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
    return st.lists(label, min_size=2, max_size=4).map(".".join).filter(lambda s: s[-1:].isalpha())


def _origin(origin_id, domain, custom, path):
    origin = {
        "Id": origin_id,
        "DomainName": domain,
        "OriginPath": path,
        "CustomHeaders": {"Quantity": 0},
        "ConnectionAttempts": 3,
        "ConnectionTimeout": 10,
        "OriginShield": {"Enabled": False},
        "OriginAccessControlId": "",
    }
    if custom:
        origin["CustomOriginConfig"] = {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": custom,
            "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
            "OriginReadTimeout": 30,
            "OriginKeepaliveTimeout": 5,
        }
    else:
        origin["S3OriginConfig"] = {"OriginAccessIdentity": ""}
    return origin


@st.composite
def origins(draw):
    ids = draw(st.lists(origin_ids(), min_size=1, max_size=3, unique=True))
    return [
        _origin(
            origin_id,
            draw(dns_names()),
            draw(st.none() | st.sampled_from(service_model.enum("OriginProtocolPolicy"))),
            draw(st.sampled_from(["", "/static", "/a b/ü"])),
        )
        for origin_id in ids
    ]


METHOD_SETS = (["HEAD", "GET"], ["HEAD", "GET", "OPTIONS"], list(service_model.enum("Method")))


def _behavior(target, policy, methods, pattern=None):
    cached = ["HEAD", "GET", "OPTIONS"] if "OPTIONS" in methods else ["HEAD", "GET"]
    behavior = {
        "TargetOriginId": target,
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "TrustedKeyGroups": {"Enabled": False, "Quantity": 0},
        "ViewerProtocolPolicy": policy,
        "AllowedMethods": {
            "Quantity": len(methods),
            "Items": methods,
            "CachedMethods": {"Quantity": len(cached), "Items": cached},
        },
        "SmoothStreaming": False,
        "Compress": True,
        "LambdaFunctionAssociations": {"Quantity": 0},
        "FunctionAssociations": {"Quantity": 0},
        "FieldLevelEncryptionId": "",
        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    }
    if pattern is not None:
        behavior = {"PathPattern": pattern, **behavior}
    return behavior


@st.composite
def distribution_configs(draw):
    """A DistributionConfig CloudFront accepts (rules.validate passes), hostile where CloudFront is lenient."""
    origin_list = draw(origins())
    targets = st.sampled_from([o["Id"] for o in origin_list])
    policies = st.sampled_from(service_model.enum("ViewerProtocolPolicy"))
    methods = st.sampled_from(METHOD_SETS)
    unique = st.lists(path_patterns(), max_size=4, unique_by=patterns.normalize)
    behaviors = [_behavior(draw(targets), draw(policies), draw(methods), p) for p in draw(unique)]
    config = {
        "CallerReference": draw(xml_text(min_size=1, max_size=40)),
        "Aliases": {"Quantity": 0},
        "DefaultRootObject": draw(st.sampled_from(["", "index.html"]) | xml_text(max_size=20)),
        "Origins": {"Quantity": len(origin_list), "Items": origin_list},
        "OriginGroups": {"Quantity": 0},
        "DefaultCacheBehavior": _behavior(draw(targets), draw(policies), draw(methods)),
        "CacheBehaviors": {"Quantity": len(behaviors), "Items": behaviors} if behaviors else {"Quantity": 0},
        "CustomErrorResponses": draw(st.just({"Quantity": 0}) | shaped("CustomErrorResponses")),
        "Comment": draw(xml_text(max_size=128)),
        "Logging": draw(shaped("LoggingConfig")),
        "PriceClass": draw(st.sampled_from(service_model.enum("PriceClass"))),
        "Enabled": draw(st.booleans()),
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1"},
        "Restrictions": draw(shaped("Restrictions")),
        "WebACLId": "",
        "HttpVersion": draw(st.sampled_from(service_model.enum("HttpVersion"))),
        "IsIPV6Enabled": draw(st.booleans()),
    }
    return config


# --- near-valid: one member broken -------------------------------------------------------------------------------

WRONG_VALUES = (
    "eighty",
    "",
    "x" * 300,
    7,
    -1,
    0,
    2**31,
    2**63,
    10**30,
    1.5,
    math.nan,
    math.inf,
    True,
    None,
    [],
    {},
    ["GET"],
    {"Quantity": 1},
    "\x00",
    "a\x00b",
    "\ud800",
    "\u202e",
    "🙂" * 200,
)


def _locations(node, path=()):
    """Every (path, value) in a JSON tree, the root excluded."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield (*path, key), value
        yield from _locations(value, (*path, key))


def _set(tree, path, value):
    for key in path[:-1]:
        tree = tree[key]
    if value is _DELETE:
        del tree[path[-1]]
    else:
        tree[path[-1]] = value


_DELETE = object()


@st.composite
def near_valid(draw, configs=None):
    """A config with one member broken (or added): the mistakes a hand-edited file holds."""
    import copy

    config = copy.deepcopy(draw(configs if configs is not None else distribution_configs()))
    where, value = draw(st.sampled_from(list(_locations(config))))
    if draw(st.booleans()) and isinstance(value, str | int) and not isinstance(value, bool):
        # A value of the right type but the wrong size or characters.
        broken = draw(st.sampled_from([v for v in WRONG_VALUES if type(v) is type(value)] or [value]))
    else:
        broken = draw(st.sampled_from(WRONG_VALUES + (_DELETE,)) | json_text())
    if broken is _DELETE and isinstance(where[-1], int):
        broken = None
    _set(config, where, broken)
    if draw(st.booleans()):
        config[draw(st.sampled_from(["Unknown", "enabled", "Comment ", "\x00"]))] = draw(st.sampled_from(WRONG_VALUES))
    return config


def configs():
    """Valid configs and near-valid ones, in roughly equal measure, and the model's own shapes."""
    return st.one_of(distribution_configs(), near_valid(), shaped("DistributionConfig"))


# --- URLs --------------------------------------------------------------------------------------------------------


def urls(hosts=()):
    """What a person types into Test a request or passes to edge_request: URLs for the given hosts, with
    hostile paths, ports and queries, and strings that are not URLs at all."""
    host = st.sampled_from(list(hosts) or ["d111111abcdef8.cloudfront.net"]) | st.sampled_from(
        ["localhost", "[::1]", "[abc", "127.0.0.1", "EXAMPLE.com", "xn--bcher-kva.example", "ü.example", "a..b", ""]
    )
    scheme = st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""])
    port = st.sampled_from(["", ":80", ":443", ":0", ":99999", ":-1", ":abc", ":"])
    path = st.one_of(
        path_patterns().map(lambda p: p if p.startswith("/") else "/" + p),
        hostile_text(30).map(lambda s: "/" + s),
        st.just(""),
    )
    query = st.sampled_from(["", "?", "?a=1&b=%zz", "#frag", "?" + "q" * 5000])
    built = st.builds(lambda s, h, p, pa, q: f"{s}://{h}{p}{pa}{q}", scheme, host, port, path, query)
    return built | hostile_text()
