"""The console's own AWS backend (``distributions/backends/aws.py``) pointed at the sandbox API.

What moto cannot serve (it accepts any IfMatch, never rotates the ETag and
drops Lambda@Edge and CloudFront Functions associations), the sandbox API does:
the AWS-mode push meets a real ETag rotation and a real 412 conflict.
"""

import copy

import pytest

from distributions import mirror, publish
from distributions.api.keys import create_access_key
from distributions.backends.aws import AwsBackend
from distributions.models import AuditEntry, AuditOutcome
from distributions.sandbox.models import SimulatedDistribution

from ..factories import distribution_config, edge_code_config

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def aws_backend(monkeypatch, api_url, user):
    """AwsBackend as CONSOLE_BACKEND=aws builds it, with the endpoint and the key in the environment."""
    key, secret = create_access_key(user)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", api_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    backend = AwsBackend()
    assert backend.client.meta.endpoint_url == api_url
    yield backend
    backend.client.close()


def test_a_push_rotates_the_etag_and_the_old_one_is_then_a_412(aws_backend, make_distribution):
    distribution_id = make_distribution([("/images/*", "allow-all")]).id
    snapshot = publish.begin_edit(distribution_id, aws_backend)
    row = publish.set_viewer_protocol_policy(
        distribution_id, ["/images/*"], "redirect-to-https", snapshot.etag, aws_backend
    )
    config, etag = aws_backend.get_distribution_config(distribution_id)
    assert etag == row.etag != snapshot.etag
    assert config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "redirect-to-https"
    with pytest.raises(publish.EditConflict) as caught:
        publish.set_viewer_protocol_policy(distribution_id, ["*"], "https-only", snapshot.etag, aws_backend)
    assert caught.value.current_etag == etag
    assert SimulatedDistribution.objects.get(pk=distribution_id).etag == etag  # nothing overwritten


def test_a_change_made_elsewhere_is_a_conflict_with_its_diff(aws_backend, make_distribution, simulator):
    distribution_id = make_distribution([("/images/*", "allow-all")]).id
    snapshot = publish.begin_edit(distribution_id, aws_backend)
    theirs, etag = simulator.get_distribution_config(distribution_id)
    theirs["Comment"] = "changed in another console"
    simulator.update_distribution(distribution_id, theirs, etag)
    with pytest.raises(publish.EditConflict) as caught:
        publish.set_viewer_protocol_policy(distribution_id, ["*"], "https-only", snapshot.etag, aws_backend)
    assert ("Comment", "test", "changed in another console") in caught.value.changes
    # Both sides record it (here they share a database): the console's push, and the API call it received.
    conflicts = AuditEntry.objects.filter(distribution_id=distribution_id, outcome=AuditOutcome.CONFLICT)
    assert sorted((entry.action, entry.error_code) for entry in conflicts) == [
        ("api-update", "PreconditionFailed"),
        ("viewer-protocol-policy", "PreconditionFailed"),
    ]
    assert SimulatedDistribution.objects.get(pk=distribution_id).config == theirs


def test_edge_code_survives_a_push_in_aws_mode(aws_backend, simulator):
    sent = edge_code_config()
    distribution_id = aws_backend.create_distribution(copy.deepcopy(sent))["Distribution"]["Id"]
    snapshot = publish.begin_edit(distribution_id, aws_backend)
    publish.set_viewer_protocol_policy(distribution_id, ["/api/*"], "https-only", snapshot.etag, aws_backend)
    expected = copy.deepcopy(sent)
    expected["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] = "https-only"
    assert simulator.get_distribution_config(distribution_id)[0] == expected


def test_sync_pages_through_the_fleet_one_call_per_page(aws_backend, simulator):
    for n in range(120):
        simulator.create_distribution(distribution_config(comment=f"site {n}"))
    aws_backend.calls = 0
    assert mirror.sync_all(aws_backend) == 120
    assert aws_backend.calls == 2  # CloudFront's default page holds 100
