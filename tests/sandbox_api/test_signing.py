"""Signature Version 4: only requests signed by an active key of an active user are served."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import botocore.auth
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from distributions.api.keys import create_access_key
from distributions.api.models import AccessKey

from .conftest import refused

pytestmark = pytest.mark.django_db(transaction=True)
NS = "{http://cloudfront.amazonaws.com/doc/2020-05-31/}"


def signed_headers(method, url, key, secret, body=b""):
    request = AWSRequest(method=method, url=url, data=body)
    SigV4Auth(Credentials(key, secret), "cloudfront", "us-east-1").add_auth(request)
    return dict(request.headers)


def test_a_request_without_a_signature_is_missing_authentication_token_in_cloudfronts_error_shape(api_url, db):
    response = httpx.get(f"{api_url}/2020-05-31/distribution")
    assert response.status_code == 403
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{NS}ErrorResponse"
    assert [child.tag for child in root] == [f"{NS}Error", f"{NS}RequestId"]
    assert [child.tag for child in root.find(f"{NS}Error")] == [f"{NS}Type", f"{NS}Code", f"{NS}Message"]
    assert root.findtext(f"{NS}Error/{NS}Type") == "Sender"
    assert root.findtext(f"{NS}Error/{NS}Code") == "MissingAuthenticationToken"
    assert root.findtext(f"{NS}RequestId") == response.headers["x-amz-request-id"]


def test_a_wrong_secret_is_signature_does_not_match(connect, user):
    key, _ = create_access_key(user)
    assert refused(connect(key.access_key_id, "not-the-secret").list_distributions)[:2] == (
        "SignatureDoesNotMatch",
        403,
    )


def test_an_unknown_key_is_invalid_client_token_id(connect, db):
    assert refused(connect("AKIAUNKNOWNKEY000000", "secret").list_distributions)[:2] == ("InvalidClientTokenId", 403)


def test_a_revoked_key_is_refused(connect, user):
    key, secret = create_access_key(user)
    client = connect(key.access_key_id, secret)
    client.list_distributions()
    key.revoke()
    assert refused(client.list_distributions)[:2] == ("InvalidClientTokenId", 403)


def test_a_deactivated_users_key_is_refused(connect, user):
    client = connect(user)
    user.is_active = False
    user.save()
    assert refused(client.list_distributions)[:2] == ("InvalidClientTokenId", 403)


def test_a_signature_older_than_15_minutes_is_refused(connect, user, monkeypatch):
    client = connect(user)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: datetime.now(UTC) - timedelta(minutes=16))
    code, status, message = refused(client.list_distributions)
    assert (code, status) == ("SignatureDoesNotMatch", 403) and message.startswith("Signature expired")


def test_a_body_changed_after_signing_is_refused(api_url, user, make_distribution):
    distribution = make_distribution()
    key, secret = create_access_key(user)
    url = f"{api_url}/2020-05-31/distribution/{distribution.id}/invalidation"
    body = (
        b"<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths>"
        b"<CallerReference>r</CallerReference></InvalidationBatch>"
    )
    headers = signed_headers("POST", url, key.access_key_id, secret, body)
    assert httpx.post(url, content=body, headers=headers).status_code == 201
    response = httpx.post(url, content=body.replace(b"/a", b"/b"), headers=headers)
    assert response.status_code == 403 and b"SignatureDoesNotMatch" in response.content


def test_the_signature_covers_the_sandbox_api_prefix(api_url, live_server, user, db):
    key, secret = create_access_key(user)
    headers = signed_headers("GET", f"{live_server.url}/2020-05-31/distribution", key.access_key_id, secret)
    response = httpx.get(f"{api_url}/2020-05-31/distribution", headers=headers)
    assert response.status_code == 403 and b"SignatureDoesNotMatch" in response.content
    headers = signed_headers("GET", f"{api_url}/2020-05-31/distribution", key.access_key_id, secret)
    assert httpx.get(f"{api_url}/2020-05-31/distribution", headers=headers).status_code == 200


def test_a_signed_request_records_when_the_key_was_last_used(connect, user):
    client = connect(user)
    assert AccessKey.objects.get(user=user).last_used_at is None
    client.list_distributions()
    assert AccessKey.objects.get(user=user).last_used_at is not None


def test_an_operation_the_sandbox_does_not_serve_is_not_implemented(cloudfront):
    code, status, message = refused(cloudfront.list_cache_policies)
    assert (code, status) == ("NotImplemented", 501) and "ListCachePolicies" in message


def test_there_is_no_api_outside_sandbox_mode(api_url, user, settings):
    key, secret = create_access_key(user)
    settings.CONSOLE_BACKEND = "aws"
    url = f"{api_url}/2020-05-31/distribution"
    assert httpx.get(url, headers=signed_headers("GET", url, key.access_key_id, secret)).status_code == 404
