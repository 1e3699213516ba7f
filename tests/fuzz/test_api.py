"""The sandbox's CloudFront endpoint (``/sandbox-api/2020-05-31/…``) under hostile, correctly signed requests:
no 500, no traceback, and a refusal changes nothing (#13 item 7).

Requests are signed in-process with botocore's SigV4 (the AWS CLI's own signer) by a key of an Admin or of
a read-only Viewer, so they reach the operations: any method, a path built from the API's resources with
real and hostile IDs, a hostile query and If-Match, and a body that is a DistributionConfig (valid or
near-valid, serialized with botocore's rest-xml serializer), malformed XML, or junk.
"""

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given
from hypothesis import strategies as st

from distributions.api.keys import create_access_key
from distributions.cloudfront import service_model

from .conftest import rolled_back, state
from .profiles import fuzz
from .strategies import distribution_configs, hostile_text, near_valid, xml_text

pytestmark = pytest.mark.django_db

VERSION = "/sandbox-api/2020-05-31"
RESOURCES = (
    "/distribution",
    "/distribution/{id}",
    "/distribution/{id}/config",
    "/distribution/{id}/invalidation",
    "/distribution/{id}/invalidation/I0000000000000",
    "/distribution/{id}/{junk}",
    "/{junk}",
)


def _config_xml(config):
    """``config`` as UpdateDistribution's body, serialized as botocore would (no validation); junk if it cannot be."""
    from botocore import serialize

    operation = service_model.model().operation_model("UpdateDistribution")
    try:
        request = serialize.create_serializer("rest-xml", include_validation=False).serialize_to_request(
            {"Id": "E0", "IfMatch": "E0", "DistributionConfig": config}, operation
        )
    except Exception:  # noqa: BLE001 - a value botocore cannot even serialize becomes plain text
        return repr(config).encode("utf-8", "surrogatepass")
    return request["body"] if isinstance(request["body"], bytes) else request["body"].encode()


def _signed_headers(method, path, query, body, key_id, secret, if_match):
    url = "http://testserver" + path + (f"?{query}" if query else "")
    headers = {"Host": "testserver"}
    if if_match is not None:
        headers["If-Match"] = if_match
    request = AWSRequest(method=method, url=url, headers=headers, data=body)
    SigV4Auth(Credentials(key_id, secret), "cloudfront", "us-east-1").add_auth(request)
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in request.headers.items()}


def test_the_api_answers_every_signed_request_without_a_500_and_a_refusal_changes_nothing(client, world):
    keys = {role: create_access_key(user) for role, user in world.users.items()}
    ids = [world.own.id, world.other.id, "E0000000000000", "..", "%2e%2e"]
    bodies = st.one_of(
        st.builds(_config_xml, distribution_configs()),
        st.builds(_config_xml, near_valid()),
        xml_text(max_size=200).map(str.encode),
        st.binary(max_size=200),
        st.just(b""),
    )

    @fuzz(40)
    @given(
        role=st.sampled_from(sorted(keys)),
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
        resource=st.sampled_from(RESOURCES),
        distribution_id=st.sampled_from(ids),
        junk=hostile_text(20).filter(lambda s: s and "/" not in s and "?" not in s and "#" not in s),
        query=st.sampled_from(["", "MaxItems=1", "MaxItems=-1", "MaxItems=x", "Marker=%00"]) | hostile_text(20),
        if_match=st.none() | st.sampled_from(list(world.etags.values())) | hostile_text(20),
        body=bodies,
    )
    def property(role, method, resource, distribution_id, junk, query, if_match, body):
        key, secret = keys[role]
        path = VERSION + resource.format(id=distribution_id, junk=junk)
        with rolled_back():
            before = state()
            try:
                headers = _signed_headers(method, path, query, body, key.access_key_id, secret, if_match)
            except (UnicodeError, ValueError):
                return  # not a request an HTTP client can send
            response = client.generic(
                method, path + (f"?{query}" if query else ""), data=body, content_type="application/xml", **headers
            )
            assert response.status_code < 500, (method, path, response.content[:300])
            assert b"Traceback" not in response.content
            if response.status_code >= 400 or role == "reader":
                assert state() == before, (method, path, response.status_code, response.content[:300])

    property()
