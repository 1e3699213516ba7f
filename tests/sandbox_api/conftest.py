"""Fixtures for the sandbox API tests: boto3 clients signed with real access keys, against a live server.

``live_server`` serves the console in a thread of the test process; on SQLite
it shares the test's in-memory database connection, which is safe here because
every test waits for each answer before it touches the database again.
"""

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from distributions.api.keys import create_access_key
from distributions.backends import aws

NO_RETRIES = Config(retries={"mode": "standard", "max_attempts": 1})


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch):
    """No profile, no endpoint override, no config file: nothing here can reach a real account."""
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_CLOUDFRONT",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(aws, "_session", None)


@pytest.fixture
def api_url(live_server):
    return live_server.url + "/sandbox-api"


@pytest.fixture
def connect(api_url):
    """``connect(user)`` → a CloudFront client signed with a new key of ``user``; or ``connect(key_id, secret)``."""

    def connect(user_or_key_id, secret=None):
        if secret is None:
            key, secret = create_access_key(user_or_key_id)
            user_or_key_id = key.access_key_id
        return boto3.client(
            "cloudfront",
            endpoint_url=api_url,
            region_name="us-east-1",
            aws_access_key_id=user_or_key_id,
            aws_secret_access_key=secret,
            config=NO_RETRIES,
        )

    return connect


@pytest.fixture
def cloudfront(connect, user):
    """A client for ``alice``, an Admin of an install without teams (the training sandbox)."""
    return connect(user)


def refused(call, *args, **kwargs):
    """``(code, HTTP status, message)`` of the CloudFront error a call must end in."""
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]
