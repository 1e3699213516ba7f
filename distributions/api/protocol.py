"""CloudFront's REST protocol from botocore's service model: routes, inputs, outputs and errors.

A route is an operation's ``requestUri`` (``/2020-05-31/distribution/{Id}/config``,
``/2020-05-31/tagging?Operation=Tag``, …) and method; inputs are read from the
URI, query string, headers and XML payload as the input shape places them;
outputs are written as the output shape says (headers such as ``ETag`` and
``Location``, the payload as XML, the operation's status code).
"""

import functools
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from botocore.model import NoShapeFoundError
from django.http import HttpResponse

from ..backends.base import BackendError
from . import shapes

SUPPORTED_OPERATIONS = (
    "ListDistributions",
    "GetDistribution",
    "GetDistributionConfig",
    "CreateDistribution",
    "CreateDistributionWithTags",
    "UpdateDistribution",
    "DeleteDistribution",
    "CreateInvalidation",
    "GetInvalidation",
    "ListInvalidations",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
)


def api_error(code, message, status=None):
    """A CloudFront error; its HTTP status comes from the service model's error shape unless given."""
    if status is None:
        try:
            status = shapes.service_model().shape_for(code).metadata.get("error", {}).get("httpStatusCode", 400)
        except NoShapeFoundError:
            status = 400
    return BackendError(code, message, status)


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    pattern: re.Pattern
    query: tuple  # (name, value) pairs the query string must hold; "" means "present"


def _route(operation):
    path, _, query = operation.http["requestUri"].partition("?")
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return Route(operation.name, operation.http["method"], re.compile(regex), tuple(parse_qsl(query, True)))


@functools.cache
def routes(names=SUPPORTED_OPERATIONS):
    """Routes of the named operations, those that need query parameters first."""
    model = shapes.service_model()
    found = [_route(model.operation_model(name)) for name in names]
    return tuple(sorted(found, key=lambda route: -len(route.query)))


def _matches(route, path, query):
    match = route.pattern.fullmatch(path)
    if match is None:
        return None
    if any(name not in query or (value and query.get(name) != value) for name, value in route.query):
        return None
    return match.groupdict()


def match(method, path, query):
    """``(operation name, URI parameters)`` for a request; a CloudFront error when none is served."""
    allowed = []
    for route in routes():
        params = _matches(route, path, query)
        if params is not None:
            if route.method == method:
                return route.name, params
            allowed.append(route.method)
    if allowed:
        raise api_error("MethodNotAllowed", f"{method} is not allowed on {path}; use {', '.join(allowed)}.", 405)
    model = shapes.service_model()
    for route in routes(tuple(model.operation_names)):
        if route.method == method and _matches(route, path, query) is not None:
            raise api_error(
                "NotImplemented",
                f"The sandbox does not implement {route.name}; it serves {', '.join(SUPPORTED_OPERATIONS)}.",
                501,
            )
    raise api_error("InvalidURI", f"No CloudFront {shapes.API_VERSION} operation is served at {method} {path}.", 404)


def read_input(name, request, uri_params):
    """The operation's parameters, as boto3 would have passed them, from the Django request."""
    shape = shapes.service_model().operation_model(name).input_shape
    params = {}
    if shape is None:
        return params
    payload = shape.serialization.get("payload")
    for member_name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = shapes.wire_name(member_name, member)
        if member_name == payload:
            params[member_name] = shapes.parse_document(request.body, member, wire)
            continue
        raw = {"uri": uri_params, "querystring": request.GET, "header": request.headers}.get(location, {}).get(wire)
        if raw is not None:
            params[member_name] = shapes.scalar(member, raw, wire)
    return params


def output_response(name, output):
    """The HTTP response for an operation's output dict (header members become headers)."""
    operation = shapes.service_model().operation_model(name)
    shape = operation.output_shape
    body, headers = b"", {}
    if shape is not None:
        payload = shape.serialization.get("payload")
        for member_name, member in shape.members.items():
            value = output.get(member_name)
            if value is None:
                continue
            if member.serialization.get("location") == "header":
                headers[shapes.wire_name(member_name, member)] = shapes.text(member, value)
            elif member_name == payload:
                body = shapes.to_xml(member, value, shapes.wire_name(member_name, member))
    response = HttpResponse(body, status=operation.http.get("responseCode", 200), content_type="text/xml")
    if not body:
        del response["Content-Type"]
    for header, value in headers.items():
        response[header] = value
    return response


def error_response(error, request_id):
    """CloudFront's XML error document for a BackendError."""
    root = ElementTree.Element("ErrorResponse", {"xmlns": shapes.XMLNS})
    detail = ElementTree.SubElement(root, "Error")
    ElementTree.SubElement(detail, "Type").text = "Receiver" if error.status >= 500 else "Sender"
    ElementTree.SubElement(detail, "Code").text = error.code
    ElementTree.SubElement(detail, "Message").text = error.message
    ElementTree.SubElement(root, "RequestId").text = request_id
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=error.status, content_type="text/xml")
