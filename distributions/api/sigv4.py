"""AWS Signature Version 4 for the sandbox API: the request must be signed by an active access key.

The expected signature is recomputed with botocore's own signer (``SigV4Auth``)
over the request as the client signed it: method, path (``/sandbox-api``
included) and raw query string, the headers named in ``SignedHeaders``, the
body, and the ``X-Amz-Date`` the client used. Errors are STS's and CloudFront's:
``MissingAuthenticationToken``, ``IncompleteSignature``, ``InvalidClientTokenId``,
``SignatureDoesNotMatch``.
"""

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from . import keys
from .protocol import api_error

SERVICE = "cloudfront"
MAX_SKEW = timedelta(minutes=15)
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed_headers>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-f]{64})\s*"
)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)


def _denied(code, message):
    return api_error(code, message, 403)


def _parse_authorization(request):
    header = request.headers.get("Authorization")
    if not header:
        raise _denied("MissingAuthenticationToken", "Request is missing Authentication Token")
    match = AUTHORIZATION.fullmatch(header.strip())
    if match is None:
        raise api_error(
            "IncompleteSignature",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' with AWS4-HMAC-SHA256.",
            400,
        )
    parts = match["credential"].split("/")
    if len(parts) != 5:
        raise api_error("IncompleteSignature", "The Credential must be KEY-ID/DATE/REGION/SERVICE/aws4_request.", 400)
    return parts, match["signed_headers"].split(";"), match["signature"]


def _request_time(request, scope_date):
    amz_date = request.headers.get("X-Amz-Date", "")
    try:
        when = datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise api_error(
            "IncompleteSignature", "The request must carry an X-Amz-Date header (YYYYMMDDTHHMMSSZ).", 400
        ) from None
    now = datetime.now(UTC)
    if when < now - MAX_SKEW:
        raise _denied(
            "SignatureDoesNotMatch",
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - MAX_SKEW).strftime(AMZ_DATE_FORMAT)} ({now.strftime(AMZ_DATE_FORMAT)} - 15 min.)",
        )
    if when > now + MAX_SKEW:
        raise _denied(
            "SignatureDoesNotMatch",
            f"Signature not yet current: {amz_date} is still later than "
            f"{(now + MAX_SKEW).strftime(AMZ_DATE_FORMAT)} ({now.strftime(AMZ_DATE_FORMAT)} + 15 min.)",
        )
    if amz_date[:8] != scope_date:
        raise _denied("SignatureDoesNotMatch", f"The credential scope date {scope_date} is not the X-Amz-Date's day.")
    return amz_date


def expected_signature(request, secret, signed_headers, region, amz_date):
    """The signature botocore computes for this request as the client sent it, with ``secret``."""
    headers = {}
    for name in signed_headers:
        value = request.headers.get(name)
        if value is None:
            raise _denied("SignatureDoesNotMatch", f"The signed header {name} is not in the request.")
        headers[name] = value
    query = request.META.get("QUERY_STRING", "")
    url = f"{request.scheme}://{request.headers.get('Host', '')}{quote(request.path, safe='/~')}"
    aws_request = AWSRequest(
        method=request.method, url=url + (f"?{query}" if query else ""), headers=headers, data=request.body
    )
    aws_request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials("unused", secret), SERVICE, region)
    canonical_request = signer.canonical_request(aws_request)
    return signer.signature(signer.string_to_sign(aws_request, canonical_request), aws_request)


def authenticate(request):
    """The active AccessKey that signed ``request``; raises a CloudFront/STS error otherwise."""
    (key_id, scope_date, region, service, terminator), signed_headers, signature = _parse_authorization(request)
    if service != SERVICE or terminator != "aws4_request":
        raise _denied("SignatureDoesNotMatch", f"Credential should be scoped to correct service: '{SERVICE}'.")
    if "host" not in signed_headers:
        raise _denied("SignatureDoesNotMatch", "The Host header must be signed.")
    key = keys.active_key(key_id)
    secret = key.secret if key else None
    if secret is None:
        raise _denied("InvalidClientTokenId", "The security token included in the request is invalid.")
    amz_date = _request_time(request, scope_date)
    content_sha256 = request.headers.get("X-Amz-Content-SHA256")
    if content_sha256 and content_sha256 != hashlib.sha256(request.body).hexdigest():
        raise api_error(
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            400,
        )
    expected = expected_signature(request, secret, signed_headers, region, amz_date)
    if not hmac.compare_digest(expected, signature):
        raise _denied("SignatureDoesNotMatch", MISMATCH)
    keys.record_use(key)
    return key
