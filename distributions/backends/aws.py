"""Real CloudFront through boto3: the only module that imports boto3.

Credentials and endpoint come from boto3's standard chain (``AWS_PROFILE``,
environment keys, instance or SSO roles, ``AWS_ENDPOINT_URL_CLOUDFRONT``),
optionally through a role to assume (``CONSOLE_AWS_ROLE_ARN``); the console
never stores them. Throttling and 5xx are retried by botocore's standard retry
mode; what is left becomes our own ``BackendError`` so that no boto3 type leaks.
"""

import copy
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import DeferredRefreshableCredentials, create_assume_role_refresher
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError
from django.conf import settings

from .base import BackendError, NoSuchDistribution, PreconditionFailed

RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=10, read_timeout=60)

# The IAM action behind each call, so that AccessDenied can say which permission is missing.
IAM_ACTIONS = {
    "ListDistributions": "cloudfront:ListDistributions",
    "GetDistribution": "cloudfront:GetDistribution",
    "GetDistributionConfig": "cloudfront:GetDistributionConfig",
    "UpdateDistribution": "cloudfront:UpdateDistribution",
    "CreateDistribution": "cloudfront:CreateDistribution",
    "CreateInvalidation": "cloudfront:CreateInvalidation",
    "ListInvalidations": "cloudfront:ListInvalidations",
    "GetCallerIdentity": "sts:GetCallerIdentity",
    "ListCertificates": "acm:ListCertificates",
    "DescribeCertificate": "acm:DescribeCertificate",
    "ListServerCertificates": "iam:ListServerCertificates",
    "AssumeRole": "sts:AssumeRole",
}
SERVER_ERROR_STATUS = 502

_lock = threading.Lock()
# Creating clients from one boto3 session is not thread-safe (boto/boto3#1592; clients, once made, are):
# with threaded gunicorn workers (docs/production.md) requests create them one at a time.
_clients_lock = threading.Lock()
_session = None


def make_session() -> boto3.session.Session:
    """A boto3 session from the standard chain, assuming CONSOLE_AWS_ROLE_ARN when it is set.

    Assumed-role credentials refresh themselves before they expire.
    """
    role_arn = getattr(settings, "CONSOLE_AWS_ROLE_ARN", "")
    if not role_arn:
        return boto3.session.Session()
    source = boto3.session.Session()
    refresher = create_assume_role_refresher(
        source.client("sts", config=RETRY_CONFIG),
        {"RoleArn": role_arn, "RoleSessionName": "cloudfront-https-console"},
    )
    core = botocore.session.get_session()
    core._credentials = DeferredRefreshableCredentials(refresh_using=refresher, method="assume-role")
    return boto3.session.Session(botocore_session=core)


def shared_session() -> boto3.session.Session:
    """The process-wide boto3 session (boto3 sessions are not thread-safe to create, so one, once)."""
    global _session
    with _lock:
        if _session is None:
            _session = make_session()
        return _session


def _translate(exc, operation, distribution_id=None):
    """Our BackendError for a botocore exception (no boto3 type leaves this module)."""
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return BackendError(
            "NoCredentials",
            "No AWS credentials were found: set AWS_PROFILE or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
            "variables, or run on an instance or SSO role.",
            503,
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        message = error.get("Message") or code
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        request_id = exc.response.get("ResponseMetadata", {}).get("RequestId", "")
        if code == "NoSuchDistribution":
            return NoSuchDistribution(distribution_id or "", message)
        if code == "PreconditionFailed":
            return PreconditionFailed(message)
        if code in ("AccessDenied", "AccessDeniedException"):
            action = IAM_ACTIONS.get(operation, operation)
            return BackendError(
                "AccessDenied",
                f"AWS denied {operation}: the identity needs the IAM permission {action}. {message}",
                403,
            )
        if code in ("Throttling", "ThrottlingException", "TooManyRequestsException"):
            return BackendError(
                "Throttling",
                f"CloudFront is throttling {operation} and retries did not get through; try again shortly.",
                503,
            )
        if status >= 500:
            return BackendError(code, f"CloudFront failed on {operation} after retries: {message}", SERVER_ERROR_STATUS)
        error_obj = BackendError(code, message, status)
        error_obj.request_id = request_id
        return error_obj
    return BackendError("ConnectionError", f"Could not reach CloudFront for {operation}: {exc}", SERVER_ERROR_STATUS)


def _clean(answer):
    """The answer without botocore's metadata, keeping AWS's request ID for the audit trail."""
    answer = dict(answer)
    metadata = answer.pop("ResponseMetadata", None) or {}
    if metadata.get("RequestId"):
        answer["RequestId"] = metadata["RequestId"]
    return answer


class AwsBackend:
    """The Backend protocol over a boto3 CloudFront client (injectable for tests)."""

    name = "aws"
    # Listing touches no database: the sync may fetch the next page on a thread (distributions/paging.py).
    prefetch_pages = True

    def __init__(self, client=None, sts_client=None, session=None):
        self._client = client
        self._sts = sts_client
        self._session = session
        self.calls = 0  # API calls made, for the sync benchmark and its tests

    def _boto_session(self):
        return self._session or shared_session()

    def _new_client(self, service, **kwargs):
        session = self._boto_session()
        with _clients_lock:
            return session.client(service, config=RETRY_CONFIG, **kwargs)

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._new_client("cloudfront", region_name="us-east-1")
        return self._client

    @property
    def sts(self) -> Any:
        if self._sts is None:
            self._sts = self._new_client("sts")
        return self._sts

    def _call(self, operation, method, distribution_id=None, **params):
        self.calls += 1
        try:
            return method(**params)
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, operation, distribution_id) from None

    def certificates(self) -> list[dict]:
        """ACM certificates in us-east-1 (the only region CloudFront takes) and IAM server certificates."""
        result = []
        acm = self._new_client("acm", region_name="us-east-1")
        marker = None
        while True:
            params = {"NextToken": marker} if marker else {}
            page = self._call("ListCertificates", acm.list_certificates, **params)
            for item in page.get("CertificateSummaryList", []):
                names = item.get("SubjectAlternativeNameSummaries") or [item.get("DomainName", "")]
                result.append(
                    {"id": item["CertificateArn"], "kind": "acm", "names": names, "label": f"{', '.join(names)} (ACM)"}
                )
            marker = page.get("NextToken")
            if not marker:
                break
        iam = self._new_client("iam")
        for item in self._call("ListServerCertificates", iam.list_server_certificates).get(
            "ServerCertificateMetadataList", []
        ):
            result.append(
                {
                    "id": item["ServerCertificateId"],
                    "kind": "iam",
                    "names": None,
                    "label": f"{item['ServerCertificateName']} (IAM)",
                }
            )
        return result

    def certificate_names(self, reference: str | None) -> list[str] | None:
        """The names an ACM certificate covers (SANs); None when unknown (IAM, or not readable)."""
        if not reference or not reference.startswith("arn:aws:acm:"):
            return None
        acm = self._new_client("acm", region_name="us-east-1")
        try:
            answer = self._call("DescribeCertificate", acm.describe_certificate, CertificateArn=reference)
        except BackendError:
            return None
        return answer.get("Certificate", {}).get("SubjectAlternativeNames") or None

    def identity(self) -> dict[str, str]:
        """The account and identity the console acts as (STS GetCallerIdentity)."""
        answer = self._call("GetCallerIdentity", self.sts.get_caller_identity)
        return {"Account": answer.get("Account", ""), "Arn": answer.get("Arn", ""), "UserId": answer.get("UserId", "")}

    def list_distributions(self) -> Iterator[dict]:
        """ListDistributions summaries, one API call per page (markers are opaque)."""
        marker = None
        while True:
            params = {"Marker": marker} if marker else {}
            page = self._call("ListDistributions", self.client.list_distributions, **params)["DistributionList"]
            yield from page.get("Items", [])
            marker = page.get("NextMarker")
            if not page.get("IsTruncated") or not marker:
                return

    def get_distribution(self, distribution_id: str) -> dict:
        answer = self._call("GetDistribution", self.client.get_distribution, distribution_id, Id=distribution_id)
        return _clean(answer)

    def get_distribution_config(self, distribution_id: str) -> tuple[dict, str]:
        answer = self._call(
            "GetDistributionConfig", self.client.get_distribution_config, distribution_id, Id=distribution_id
        )
        return answer["DistributionConfig"], answer["ETag"]

    def update_distribution(self, distribution_id: str, config: dict, if_match: str) -> dict:
        if not if_match:
            raise BackendError(
                "InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource."
            )
        answer = self._call(
            "UpdateDistribution",
            self.client.update_distribution,
            distribution_id,
            Id=distribution_id,
            IfMatch=if_match,
            DistributionConfig=copy.deepcopy(config),
        )
        return _clean(answer)

    def create_distribution(self, config: dict) -> dict:
        answer = self._call(
            "CreateDistribution", self.client.create_distribution, DistributionConfig=copy.deepcopy(config)
        )
        return _clean(answer)

    def create_invalidation(self, distribution_id: str, paths: list, caller_reference: str) -> dict:
        answer = self._call(
            "CreateInvalidation",
            self.client.create_invalidation,
            distribution_id,
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                "CallerReference": caller_reference,
            },
        )
        return _invalidation(answer["Invalidation"])

    def list_invalidations(self, distribution_id: str) -> list[dict]:
        """Invalidations newest first (CloudFront lists them so), every page."""
        result, marker = [], None
        while True:
            params = {"Marker": marker} if marker else {}
            page = self._call(
                "ListInvalidations",
                self.client.list_invalidations,
                distribution_id,
                DistributionId=distribution_id,
                **params,
            )["InvalidationList"]
            result += [_invalidation(item) for item in page.get("Items", [])]
            marker = page.get("NextMarker")
            if not page.get("IsTruncated") or not marker:
                return sorted(result, key=lambda i: i["CreateTime"], reverse=True)


def _invalidation(item):
    """CloudFront's invalidation with its status spelt as AWS documents it (moto says COMPLETED)."""
    item = dict(item)
    status = item.get("Status", "")
    item["Status"] = {"COMPLETED": "Completed", "INPROGRESS": "InProgress", "IN_PROGRESS": "InProgress"}.get(
        status.upper().replace(" ", ""), status
    )
    return item
