"""The boto3 backend: moto for round trips and listing, botocore's Stubber for what moto cannot do."""

import copy

import boto3
import pytest
from botocore.stub import ANY
from django.urls import reverse
from moto import mock_aws
from moto.server import ThreadedMotoServer

from distributions import mirror, publish
from distributions.backends.aws import AwsBackend
from distributions.backends.base import BackendError, NoSuchDistribution
from distributions.models import Distribution
from distributions.review import finding_id

from .factories import distribution_config, edge_code_config
from .support import client_error, free_port, stubbed
from .support import create_on_backend as create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aws_environment")]


class TestWithMoto:
    def test_sync_mirrors_every_distribution_with_one_call_per_page(self, moto_backend):
        ids = {create(moto_backend, [("/images/*", "allow-all")], comment=f"site {n}") for n in range(3)}
        moto_backend.calls = 0
        assert mirror.sync_all(moto_backend) == 3
        assert moto_backend.calls == 1
        assert set(Distribution.objects.values_list("id", flat=True)) == ids
        row = Distribution.objects.get(pk=sorted(ids)[0])
        assert [b.path_pattern for b in row.behaviors.all()] == ["/images/*", "*"]
        assert row.origins.get().origin_id == "origin-main"

    def test_sync_drops_what_aws_no_longer_has(self, moto_backend):
        create(moto_backend)
        Distribution.objects.create(id="EGONE000000000", domain_name="dgone.cloudfront.net", status="Deployed")
        mirror.sync_all(moto_backend)
        assert not Distribution.objects.filter(pk="EGONE000000000").exists()

    def test_a_push_round_trips_through_aws(self, moto_backend):
        distribution_id = create(moto_backend, [("/images/*", "allow-all"), ("/css/*", "allow-all")])
        snapshot = publish.begin_edit(distribution_id, moto_backend)
        publish.set_viewer_protocol_policy(distribution_id, ["/css/*", "*"], "https-only", snapshot.etag, moto_backend)
        config, _ = moto_backend.get_distribution_config(distribution_id)
        assert [b["ViewerProtocolPolicy"] for b in config["CacheBehaviors"]["Items"]] == ["allow-all", "https-only"]
        assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
        mirrored = Distribution.objects.get(pk=distribution_id)
        assert [b.viewer_protocol_policy for b in mirrored.behaviors.all()] == ["allow-all", "https-only", "https-only"]

    def test_an_unknown_id_is_no_such_distribution(self, moto_backend):
        with pytest.raises(NoSuchDistribution):
            moto_backend.get_distribution("ENOSUCH0000000")

    def test_it_says_which_identity_it_acts_as(self, moto_backend):
        identity = moto_backend.identity()
        assert identity["Account"] == "123456789012"
        assert identity["Arn"].startswith("arn:aws:")

    def test_the_console_walk_works_in_aws_mode(self, moto_backend, signed_in, settings):
        settings.CONSOLE_BACKEND = "aws"
        distribution_id = create(moto_backend, [("/images/*", "allow-all")])
        mirror.sync_all(moto_backend)
        listing = signed_in.get(reverse("distributions:distribution_list"))
        assert distribution_id in listing.content.decode()
        assert b"123456789012" in listing.content
        edit = reverse("distributions:behavior_edit", args=[distribution_id])
        etag = signed_in.get(edit, {"behavior": "/images/*"}).context["snapshot"].etag
        response = signed_in.post(
            edit,
            {
                "etag": etag,
                "behavior": "/images/*",
                "policy": "redirect-to-https",
                "confirm_path_patterns": "on",
                "confirm_order": "on",
                "confirm_origins": "on",
            },
        )
        assert response.status_code == 302
        config, _ = moto_backend.get_distribution_config(distribution_id)
        assert config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "redirect-to-https"

    def test_the_consoles_rules_are_warnings_in_aws_mode_and_the_change_goes_once_acknowledged(
        self, moto_backend, signed_in, settings
    ):
        """Issue #11: AWS decides. An alias on the default certificate, which the sandbox refuses, is a warning here."""
        settings.CONSOLE_BACKEND = "aws"
        distribution_id = create(moto_backend)
        mirror.sync_all(moto_backend)
        edit = reverse("distributions:distribution_settings_edit", args=[distribution_id])
        form = {"aliases": "www.example.com", "certificate": "", "confirm": "on"}
        page = signed_in.get(edit, form)
        assert page.status_code == 200
        assert b"CloudFront may refuse this change" in page.content
        assert b"This change cannot be pushed" not in page.content
        form["etag"] = page.context["snapshot"].etag
        refused = signed_in.post(edit, form)
        assert refused.status_code == 400
        assert moto_backend.get_distribution_config(distribution_id)[0]["Aliases"]["Quantity"] == 0
        form["acknowledge"] = [finding_id(f) for f in refused.context["review"].acknowledgeable]
        assert signed_in.post(edit, form).status_code == 302
        assert moto_backend.get_distribution_config(distribution_id)[0]["Aliases"]["Items"] == ["www.example.com"]

    def test_the_refresh_button_syncs_the_fleet(self, moto_backend, signed_in, settings):
        settings.CONSOLE_BACKEND = "aws"
        distribution_id = create(moto_backend)
        response = signed_in.post(reverse("distributions:distribution_refresh"))
        assert response.status_code == 302
        assert Distribution.objects.filter(pk=distribution_id).exists()
        assert b"Mirrored 1 distribution" in signed_in.get(response.url).content


class TestWithStubber:
    def distribution(self, config, status="Deployed"):
        return {
            "Id": "EDFDVBD6EXAMPLE",
            "ARN": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE",
            "Status": status,
            "LastModifiedTime": "2026-11-26T10:00:00Z",
            "InProgressInvalidationBatches": 0,
            "DomainName": "d111111abcdef8.cloudfront.net",
            "ActiveTrustedSigners": {"Enabled": False, "Quantity": 0},
            "DistributionConfig": config,
        }

    def test_the_push_sends_the_fetched_config_with_only_the_policy_changed(self):
        backend, stub = stubbed()
        config = edge_code_config()
        expected = copy.deepcopy(config)
        expected["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] = "https-only"
        stub.add_response(
            "get_distribution_config",
            {"DistributionConfig": config, "ETag": "E2QWRUHEXAMPLE"},
            {"Id": "EDFDVBD6EXAMPLE"},
        )
        stub.add_response(
            "update_distribution",
            {"Distribution": self.distribution(expected, "InProgress"), "ETag": "E3NEWETAGEXAMPLE"},
            {"Id": "EDFDVBD6EXAMPLE", "IfMatch": "E2QWRUHEXAMPLE", "DistributionConfig": expected},
        )
        with stub:
            snapshot = publish.begin_edit("EDFDVBD6EXAMPLE", backend)
            row = publish.set_viewer_protocol_policy(
                "EDFDVBD6EXAMPLE", ["/api/*"], "https-only", snapshot.etag, backend
            )
            stub.assert_no_pending_responses()
        assert row.status == "InProgress"
        assert row.etag == "E3NEWETAGEXAMPLE"

    def test_a_stale_etag_is_a_conflict_with_a_diff_and_nothing_recorded(self):
        backend, stub = stubbed()
        config = edge_code_config()
        theirs = copy.deepcopy(config)
        theirs["Comment"] = "changed in the AWS console"
        stub.add_response("get_distribution_config", {"DistributionConfig": config, "ETag": "EOLDETAG000001"})
        client_error(
            stub,
            "update_distribution",
            "PreconditionFailed",
            412,
            expected_params={"Id": "EDFDVBD6EXAMPLE", "IfMatch": "EOLDETAG000001", "DistributionConfig": ANY},
        )
        stub.add_response("get_distribution_config", {"DistributionConfig": theirs, "ETag": "ENEWETAG000002"})
        stub.add_response("get_distribution", {"Distribution": self.distribution(theirs), "ETag": "ENEWETAG000002"})
        with stub:
            snapshot = publish.begin_edit("EDFDVBD6EXAMPLE", backend)
            with pytest.raises(publish.EditConflict) as caught:
                publish.set_viewer_protocol_policy("EDFDVBD6EXAMPLE", ["*"], "https-only", snapshot.etag, backend)
        assert caught.value.current_etag == "ENEWETAG000002"
        assert ("Comment", config["Comment"], "changed in the AWS console") in caught.value.changes
        assert Distribution.objects.get(pk="EDFDVBD6EXAMPLE").comment == "changed in the AWS console"

    def test_access_denied_names_the_missing_permission(self):
        backend, stub = stubbed()
        stub.add_response("get_distribution_config", {"DistributionConfig": distribution_config(), "ETag": "E1"})
        client_error(stub, "update_distribution", "AccessDenied", 403, "User is not authorized")
        with stub:
            snapshot = publish.begin_edit("EDFDVBD6EXAMPLE", backend)
            with pytest.raises(BackendError) as caught:
                publish.set_viewer_protocol_policy("EDFDVBD6EXAMPLE", ["*"], "https-only", snapshot.etag, backend)
        assert caught.value.code == "AccessDenied"
        assert "cloudfront:UpdateDistribution" in caught.value.message
        assert not Distribution.objects.filter(pk="EDFDVBD6EXAMPLE", status="InProgress").exists()

    @pytest.mark.parametrize("code, status", [("Throttling", 400), ("ServiceUnavailable", 503), ("InternalError", 500)])
    def test_throttling_and_server_errors_end_in_a_clear_failure(self, code, status):
        backend, stub = stubbed()
        client_error(stub, "list_distributions", code, status)
        with stub, pytest.raises(BackendError) as caught:
            mirror.sync_all(backend)
        assert "CloudFront" in caught.value.message
        assert caught.value.status in (502, 503)

    def test_the_client_retries_in_standard_mode(self):
        client = AwsBackend().client
        assert client.meta.config.retries["mode"] == "standard"

    def test_a_denied_page_in_aws_mode_explains_itself(self, signed_in, settings, monkeypatch):
        settings.CONSOLE_BACKEND = "aws"
        backend, stub = stubbed()
        client_error(stub, "get_distribution", "AccessDenied", 403)
        monkeypatch.setattr("distributions.mirror.get_backend", lambda: backend)
        with stub:
            response = signed_in.get(reverse("distributions:distribution_general", args=["EDFDVBD6EXAMPLE"]))
        assert response.status_code == 403
        assert b"cloudfront:GetDistribution" in response.content


def test_over_real_http_through_the_endpoint_variable(monkeypatch):
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", f"http://127.0.0.1:{port}")
        backend = AwsBackend()
        assert backend.client.meta.endpoint_url == f"http://127.0.0.1:{port}"
        distribution_id = create(backend, [("/images/*", "allow-all")])
        assert mirror.sync_all(backend) == 1
        snapshot = publish.begin_edit(distribution_id, backend)
        publish.set_viewer_protocol_policy(distribution_id, ["/images/*"], "redirect-to-https", snapshot.etag, backend)
        config, _ = backend.get_distribution_config(distribution_id)
        assert config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "redirect-to-https"
    finally:
        server.stop()


def test_sync_distributions_reports_the_api_calls_it_made(moto_backend, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.CONSOLE_BACKEND = "aws"
    create(moto_backend)
    out = StringIO()
    call_command("sync_distributions", stdout=out)
    assert "Mirrored 1 distribution(s) with 1 API call(s)" in out.getvalue()


def test_set_viewer_protocol_policy_works_in_aws_mode(moto_backend, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.CONSOLE_BACKEND = "aws"
    distribution_id = create(moto_backend, [("/a/*", "allow-all")])
    call_command("set_viewer_protocol_policy", distribution_id, "/a/*", "https-only", stdout=StringIO())
    config, _ = moto_backend.get_distribution_config(distribution_id)
    assert config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "https-only"


def test_it_assumes_the_configured_role(settings):
    settings.CONSOLE_AWS_ROLE_ARN = "arn:aws:iam::210987654321:role/cloudfront-console"
    with mock_aws():
        backend = AwsBackend()
        identity = backend.identity()
    assert identity["Account"] == "210987654321"
    assert "assumed-role/cloudfront-console" in identity["Arn"]


def test_it_lists_acm_certificates_in_us_east_1_with_their_names():
    with mock_aws():
        acm = boto3.client("acm", region_name="us-east-1")
        arn = acm.request_certificate(
            DomainName="www.example.com", SubjectAlternativeNames=["www.example.com", "example.com"]
        )["CertificateArn"]
        boto3.client("acm", region_name="eu-west-1").request_certificate(DomainName="elsewhere.example.com")
        backend = AwsBackend()
        listed = backend.certificates()
        assert [c["id"] for c in listed if c["kind"] == "acm"] == [arn]
        assert set(backend.certificate_names(arn)) == {"www.example.com", "example.com"}
        assert backend.certificate_names("ASCAEXAMPLEIAMID") is None


def test_clients_are_created_one_at_a_time_for_threaded_workers():
    """boto3 sessions are not thread-safe to make clients from (boto/boto3#1592): gthread workers share one."""
    from distributions.backends import aws

    held = []

    class Session:
        def client(self, service, **kwargs):
            held.append(aws._clients_lock.locked())
            return object()

    backend = aws.AwsBackend(session=Session())
    assert backend.client is backend.client and backend.sts is not None
    assert held == [True, True]
