"""CloudFront's XML, read and written by the shapes of botocore's service model (API 2020-05-31).

Parsing follows the input shape member by member and refuses what the model
does not know (CloudFront answers ``MalformedInput`` too), so every member a
client sends is kept, including those the console does not model
(``FunctionAssociations``, ``LambdaFunctionAssociations``, …). Serializing
follows the output shape in the model's member order.
"""

import base64
import binascii
import functools
from datetime import UTC, datetime
from xml.etree import ElementTree

import botocore.session
from django.utils.dateparse import parse_datetime

from ..backends.base import BackendError

API_VERSION = "2020-05-31"
XMLNS = f"http://cloudfront.amazonaws.com/doc/{API_VERSION}/"


@functools.cache
def service_model():
    """botocore's CloudFront service model, the one boto3 ships."""
    return botocore.session.get_session().get_service_model("cloudfront", api_version=API_VERSION)


def wire_name(name, shape):
    """The element (or header, query parameter) name of a member."""
    return shape.serialization.get("name", name)


def malformed(message, code="MalformedInput"):
    return BackendError(code, message, 400)


def _local(tag):
    return tag.rsplit("}", 1)[-1]


# --- reading request documents ---------------------------------------------------------------


def parse_document(body, shape, root_name):
    """The dict for an XML request body whose root element is ``root_name`` and whose shape is ``shape``."""
    if not body or not body.strip():
        raise malformed("The request body is empty.", "MissingBody")
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise malformed("Document type declarations are not accepted.")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise malformed(f"The request body is not well-formed XML: {exc}.") from None
    if _local(root.tag) != root_name:
        raise malformed(f"The root element must be {root_name}, not {_local(root.tag)}.")
    return _parse(shape, root, root_name)


def _parse(shape, element, path):
    if shape.type_name == "structure":
        return _parse_structure(shape, element, path)
    if shape.type_name == "list":
        item_name = wire_name("member", shape.member)
        items = []
        for child in element:
            if _local(child.tag) != item_name:
                raise malformed(f"Unexpected element {path}/{_local(child.tag)}: expected {item_name}.")
            items.append(_parse(shape.member, child, f"{path}/{item_name}"))
        return items
    if len(element):
        raise malformed(f"{path} holds a single value, not elements.")
    return scalar(shape, element.text or "", path)


def _parse_structure(shape, element, path):
    members = {
        wire_name(name, member): (name, member)
        for name, member in shape.members.items()
        if "location" not in member.serialization
    }
    result = {}
    for child in element:
        tag = _local(child.tag)
        if tag not in members:
            raise malformed(f"Unexpected element {path}/{tag}: the CloudFront API {API_VERSION} has no such member.")
        name, member = members[tag]
        if name in result:
            raise malformed(f"The element {path}/{tag} appears more than once.")
        result[name] = _parse(member, child, f"{path}/{tag}")
    return result


def scalar(shape, text, path):
    """A scalar member's value from its text (an element, a header or a query parameter)."""
    kind = shape.type_name
    if kind == "string":
        return text
    value = text.strip()
    try:
        if kind in ("integer", "long"):
            return int(value)
        if kind in ("double", "float"):
            return float(value)
        if kind == "boolean":
            if value not in ("true", "false"):
                raise ValueError(value)
            return value == "true"
        if kind == "timestamp":
            parsed = parse_datetime(value)
            if parsed is None:
                raise ValueError(value)
            return parsed
        if kind == "blob":
            return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise malformed(f"{path} must be a valid {kind}, not {text!r}.") from None
    raise malformed(f"{path}: values of type {kind} are not supported.")


# --- writing response documents --------------------------------------------------------------


def to_xml(shape, value, root_name):
    """The XML document for ``value`` in ``shape``, with CloudFront's namespace on the root element."""
    root = ElementTree.Element(root_name, {"xmlns": XMLNS})
    _fill(shape, value, root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _fill(shape, value, element):
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if "location" in member.serialization or value.get(name) is None:
                continue
            _fill(member, value[name], ElementTree.SubElement(element, wire_name(name, member)))
    elif shape.type_name == "list":
        item_name = wire_name("member", shape.member)
        for item in value:
            _fill(shape.member, item, ElementTree.SubElement(element, item_name))
    else:
        element.text = text(shape, value)


def text(shape, value):
    """A scalar as CloudFront writes it: booleans in lower case, timestamps in ISO 8601 UTC."""
    kind = shape.type_name
    if kind == "boolean" and isinstance(value, bool):
        return "true" if value else "false"
    if kind in ("integer", "long") and not isinstance(value, str):
        return str(int(value))
    if kind == "timestamp":
        when = value if isinstance(value, datetime) else parse_datetime(str(value))
        if when is None:
            return str(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if kind == "blob" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)
