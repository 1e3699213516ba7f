"""CloudFront's own description of its API: botocore's service model (2020-05-31).

The model ships with boto3, so the shapes, required members, enumerations,
list lengths and error statuses come from it rather than from hand-written
copies that drift behind CloudFront (the console once refused ``TLSv1.2_2025``
because its own list was older than the model).

``shape_errors`` checks a DistributionConfig the way CloudFront's request
validation does before any rule of its own: CloudFront answers ``MalformedXML``
with a message in its validation layer's format, for example (aws/aws-cli#6275)::

    1 validation error detected: Value 'TLSv1.2_2019' at
    'distributionConfig.viewerCertificate.minimumProtocolVersion' failed to
    satisfy constraint: Member must satisfy enum value set: [TLSv1.1_2016, ...]
"""

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import botocore.session
from botocore.model import ServiceModel, Shape

API_VERSION = "2020-05-31"


@lru_cache(maxsize=1)
def model() -> ServiceModel:
    """botocore's CloudFront service model (loaded once; about 30 ms)."""
    return botocore.session.get_session().get_service_model("cloudfront", api_version=API_VERSION)


@cache
def shape(name: str) -> Shape:
    """The model's shape called ``name`` (``"DistributionConfig"``, ``"ViewerCertificate"``…).

    Kept: botocore builds a new shape on each ``shape_for``, and its members again on first use, which
    cost more than walking a config at today's quotas."""
    return model().shape_for(name)


def enum(name: str) -> tuple:
    """The values CloudFront accepts for the string shape ``name``, in the model's order."""
    return tuple(shape(name).enum)


def required(name: str) -> tuple:
    """The required members of the structure shape ``name``."""
    return tuple(shape(name).required_members)


@lru_cache(maxsize=1)
def _errors():
    found = {}
    for operation in model().operation_names:
        for error in model().operation_model(operation).error_shapes:
            status = error.metadata.get("error", {}).get("httpStatusCode", 400)
            found.setdefault(error.name, (status, _plain(error.documentation)))
    return found


def error_status(code: str) -> int:
    """The HTTP status CloudFront answers with for the error ``code`` (400 when the model does not say)."""
    return _errors().get(code, (400, ""))[0]


def error_description(code: str) -> str:
    """The model's one-line description of the error ``code`` ("" when it has none)."""
    return _errors().get(code, (400, ""))[1]


def _plain(html):
    return " ".join(re.sub(r"<[^>]+>", "", html or "").split())


def _camel(name):
    return name[:1].lower() + name[1:]


def _shown(value):
    if value is None:
        return "null"
    return repr(value) if not isinstance(value, str) else f"'{value}'"


@dataclass(frozen=True)
class Violation:
    """One member that breaks the model: where (``path`` from the top of the checked shape: member
    names and list indexes), what was there, CloudFront's ``constraint`` and a person's ``problem``."""

    path: tuple
    value: object
    constraint: str
    problem: str

    def cloudfront_message(self, root: str = "DistributionConfig") -> str:
        """In CloudFront's validation format: ``Value 'x' at 'distributionConfig.enabled' failed to …``."""
        where = _camel(root) + "".join(
            f".{part + 1}.member" if isinstance(part, int) else f".{_camel(part)}" for part in self.path
        )
        return f"Value {_shown(self.value)} at '{where}' failed to satisfy constraint: {self.constraint}"


def field_path(path: tuple | list, root: str = "") -> str:
    """A member's path as a document names it: ``DistributionConfig.Origins.Items[0].Id``.

    Names that are not plain words (a NUL, a space, a dot) are quoted, so the line stays one line.
    """
    text = root
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else ascii(part)
            text += f".{name}" if text else name
    return text


_TYPES = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "double": (int, float),
    "float": (int, float),
    "structure": (dict,),
    "list": (list,),
}
# CloudFront's words for the type a member must be, and ours for what a document holds.
_TYPE_NAMES = {"structure": "an object", "list": "a list", "boolean": "a boolean", "string": "a string"}
_EXPECTED = {**_TYPE_NAMES, "integer": "an integer", "long": "an integer"}
# The model's integers are Java's (CloudFront is written in Java): 32 and 64 bits.
_RANGES = {"integer": 2**31, "long": 2**63}
# XML 1.0 (section 2.2, "Char") allows tab, newline, carriage return and everything from U+0020
# except the surrogates and U+FFFE/U+FFFF; CloudFront's API is XML, so no member can hold the rest.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def kind_of(value: object) -> str:
    """What a JSON value is, in words: "a string", "an object", "null"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {str: "a string", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _type_error(value, kind, path):
    expected = _TYPES.get(kind)
    if expected is None or isinstance(value, expected) and not (kind != "boolean" and isinstance(value, bool)):
        return None
    return Violation(
        path,
        value,
        f"Member must be {_TYPE_NAMES.get(kind, 'a number')}",
        f"expected {_EXPECTED.get(kind, 'a number')}, got {kind_of(value)}",
    )


def _length_errors(value, node, path):
    if not isinstance(value, str | list):
        return []
    unit = "characters" if isinstance(value, str) else "items"
    low, high = node.metadata.get("min"), node.metadata.get("max")
    errors = []
    if low is not None and len(value) < low:
        errors.append(
            Violation(
                path, value, f"Member must have length greater than or equal to {low}", f"fewer than {low} {unit}"
            )
        )
    if high is not None and len(value) > high:
        errors.append(
            Violation(path, value, f"Member must have length less than or equal to {high}", f"more than {high} {unit}")
        )
    return errors


def _character_error(value, path):
    bad = _NOT_XML.search(value)
    if bad is None:
        return None
    char = bad.group()
    if char == "\x00":
        problem = "contains a NUL character"
    elif "\ud800" <= char <= "\udfff":
        problem = "contains a lone UTF-16 surrogate, not a valid character"
    else:
        problem = f"contains the control character U+{ord(char):04X}"
    return Violation(path, value, "Member must contain only characters XML 1.0 allows", problem)


def _scalar_errors(value, node, path):
    errors = _length_errors(value, node, path)
    if isinstance(value, str):
        errors += filter(None, [_character_error(value, path)])
    limit = _RANGES.get(node.type_name)
    if limit is not None and not -limit <= value < limit:
        errors.append(Violation(path, value, f"Member must fit in a {node.type_name}", "number out of range"))
    if node.type_name == "string" and node.enum and value not in node.enum:
        errors.append(
            Violation(
                path,
                value,
                f"Member must satisfy enum value set: [{', '.join(node.enum)}]",
                f"not one of {', '.join(node.enum)}",
            )
        )
    pattern = node.metadata.get("pattern")
    if node.type_name == "string" and pattern and not re.fullmatch(pattern, value):
        errors.append(
            Violation(
                path,
                value,
                f"Member must satisfy regular expression pattern: {pattern}",
                f"does not match the pattern {pattern}",
            )
        )
    return errors


def _unknown(value, path, strict, errors):
    """A member the model does not know: refused when ``strict``; otherwise left alone (CloudFront may be
    newer than the botocore installed here, and a field the console does not model must go back
    untouched) but for characters no XML document can carry."""
    if strict:
        errors.append(Violation(path, value, "Member is not part of the API", "unknown member"))
    elif isinstance(value, str):
        errors += filter(None, [_character_error(value, path)])
    elif isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            _unknown(item, (*path, key), strict, errors)


def _walk(value, node, path, strict, errors):
    problem = _type_error(value, node.type_name, path)
    if problem:
        errors.append(problem)
        return
    if node.type_name == "structure":
        for member in node.required_members:
            if value.get(member) is None:
                errors.append(Violation((*path, member), None, "Member must not be null", "missing required member"))
        for key, item in value.items():
            if key not in node.members:
                _unknown(item, (*path, key), strict, errors)
            elif item is not None:
                _walk(item, node.members[key], (*path, key), strict, errors)
    elif node.type_name == "list":
        errors += _length_errors(value, node, path)
        for index, item in enumerate(value):
            _walk(item, node.member, (*path, index), strict, errors)
    else:
        errors += _scalar_errors(value, node, path)


def violations(value: object, shape_name: str = "DistributionConfig", strict: bool = False) -> list[Violation]:
    """Every member of ``value`` that breaks the model's shape ``shape_name``, in document order.

    Checks types, required members, enumerations, lengths, patterns, the range of
    integers and the characters of strings (XML 1.0's). ``strict`` also refuses
    members the model does not know, as botocore's own parameter validation does
    ("Unknown parameter in DistributionConfig: ..."); otherwise they are left alone.
    """
    errors = []
    _walk(value, shape(shape_name), (), strict, errors)
    return errors


def described_prefix(path: tuple, shape_name: str) -> tuple:
    """The longest start of ``path`` that the model's shape ``shape_name`` describes (member names, list
    indexes): for ``("DistributionConfig", "Comment", "a")`` in a get-distribution-config answer,
    ``("DistributionConfig", "Comment")``, since a Comment is a string."""
    node, kept = shape(shape_name), 0
    for part in path:
        if node.type_name == "structure" and isinstance(part, str) and part in node.members:
            node = node.members[part]
        elif node.type_name == "list" and isinstance(part, int):
            node = node.member
        else:
            break
        kept += 1
    return tuple(path[:kept])


def shape_errors(config: object, shape_name: str = "DistributionConfig") -> list[str]:
    """What CloudFront's request validation says about ``config``, one message per violation.

    CloudFront's own rules (quotas, references between origins and behaviors…) are ``rules.validate``'s.
    """
    return [v.cloudfront_message(shape_name) for v in violations(config, shape_name)]


def malformed_message(errors: list[str]) -> str:
    """The message of CloudFront's MalformedXML answer for these validation errors."""
    count = len(errors)
    return f"{count} validation error{'s' if count != 1 else ''} detected: " + "; ".join(errors)
