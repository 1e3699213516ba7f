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
from functools import lru_cache

import botocore.session
from botocore.model import ServiceModel, Shape

API_VERSION = "2020-05-31"


@lru_cache(maxsize=1)
def model() -> ServiceModel:
    """botocore's CloudFront service model (loaded once; about 30 ms)."""
    return botocore.session.get_session().get_service_model("cloudfront", api_version=API_VERSION)


def shape(name: str) -> Shape:
    """The model's shape called ``name`` (``"DistributionConfig"``, ``"ViewerCertificate"``…)."""
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
_TYPE_NAMES = {"structure": "an object", "list": "a list", "boolean": "a boolean", "string": "a string"}


def _type_error(value, kind, where):
    expected = _TYPES.get(kind)
    if expected is None or isinstance(value, expected) and not (kind != "boolean" and isinstance(value, bool)):
        return None
    name = _TYPE_NAMES.get(kind, "a number")
    return f"Value {_shown(value)} at '{where}' failed to satisfy constraint: Member must be {name}"


def _length_errors(value, node, where):
    errors = []
    if not isinstance(value, str | list):
        return errors
    low, high = node.metadata.get("min"), node.metadata.get("max")
    if low is not None and len(value) < low:
        errors.append(
            f"Value {_shown(value)} at '{where}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {low}"
        )
    if high is not None and len(value) > high:
        errors.append(
            f"Value {_shown(value)} at '{where}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {high}"
        )
    return errors


def _scalar_errors(value, node, where):
    errors = _length_errors(value, node, where)
    if node.type_name == "string" and node.enum and value not in node.enum:
        errors.append(
            f"Value {_shown(value)} at '{where}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(node.enum)}]"
        )
    pattern = node.metadata.get("pattern")
    if node.type_name == "string" and pattern and not re.fullmatch(pattern, value):
        errors.append(
            f"Value {_shown(value)} at '{where}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {pattern}"
        )
    return errors


def _walk(value, node, where, errors):
    problem = _type_error(value, node.type_name, where)
    if problem:
        errors.append(problem)
        return
    if node.type_name == "structure":
        for member in node.required_members:
            if value.get(member) is None:
                errors.append(
                    f"Value null at '{where}.{_camel(member)}' failed to satisfy constraint: Member must not be null"
                )
        # Members the model does not know are left alone: CloudFront may be newer than the
        # botocore installed here, and a field the console does not model must go back untouched.
        for key, item in value.items():
            if key in node.members and item is not None:
                _walk(item, node.members[key], f"{where}.{_camel(key)}", errors)
    elif node.type_name == "list":
        errors += _length_errors(value, node, where)
        for index, item in enumerate(value, start=1):
            _walk(item, node.member, f"{where}.{index}.member", errors)
    else:
        errors += _scalar_errors(value, node, where)


def shape_errors(config: object, shape_name: str = "DistributionConfig") -> list[str]:
    """What CloudFront's request validation says about ``config``, one message per violation.

    Checks types, required members, enumerations, lengths and patterns as the
    model declares them (members it does not know are not checked); CloudFront's own rules (quotas,
    references between origins and behaviors…) are ``rules.validate``'s.
    """
    errors = []
    _walk(config, shape(shape_name), _camel(shape_name), errors)
    return errors


def malformed_message(errors: list[str]) -> str:
    """The message of CloudFront's MalformedXML answer for these validation errors."""
    count = len(errors)
    return f"{count} validation error{'s' if count != 1 else ''} detected: " + "; ".join(errors)
