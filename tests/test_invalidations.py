"""Invalidations: CloudFront's path rules, InProgress then Completed, newest first, in both backends."""

import pytest
from django.urls import reverse

from distributions.backends.base import BackendError
from distributions.cloudfront import invalidation as inv
from distributions.sandbox.models import SimulatedInvalidation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path, ok",
    [
        ("/*", True),
        ("/images/*", True),
        ("/index.html", True),
        ("/a b.html", True),
        ("images/*", False),
        ("/im*ges/a", False),
        ("", False),
        ("/" + "a" * 4000, False),
        ("/x\n", False),
    ],
)
def test_path_rules(path, ok):
    assert (inv.path_error(path) is None) is ok


def test_paths_are_read_one_per_line_without_duplicates():
    assert inv.parse_paths("/a\n\n /b \n/a\n") == (["/a", "/b"], [])
    assert inv.parse_paths("   ")[1]


class TestSimulator:
    def test_it_completes_after_the_deploy_delay_and_lists_newest_first(self, simulator, static_site, settings):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        first = simulator.create_invalidation(static_site.id, ["/a"], "ref-1")
        second = simulator.create_invalidation(static_site.id, ["/images/*"], "ref-2")
        assert first["Status"] == "InProgress" and first["Id"].startswith("I")
        SimulatedInvalidation.objects.filter(pk=first["Id"]).update(ready_at="2000-01-01T00:00:00Z")
        listed = simulator.list_invalidations(static_site.id)
        assert [i["Id"] for i in listed] == [second["Id"], first["Id"]]
        assert [i["Status"] for i in listed] == ["InProgress", "Completed"]

    def test_the_same_reference_and_paths_return_the_existing_one(self, simulator, static_site):
        first = simulator.create_invalidation(static_site.id, ["/a"], "ref")
        assert simulator.create_invalidation(static_site.id, ["/a"], "ref")["Id"] == first["Id"]
        with pytest.raises(BackendError) as caught:
            simulator.create_invalidation(static_site.id, ["/b"], "ref")
        assert caught.value.code == "InvalidationBatchAlreadyExists"

    def test_at_most_fifteen_wildcards_in_progress(self, simulator, static_site, settings):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        simulator.create_invalidation(static_site.id, [f"/w{n}/*" for n in range(15)], "ref-1")
        with pytest.raises(BackendError) as caught:
            simulator.create_invalidation(static_site.id, ["/more/*"], "ref-2")
        assert caught.value.code == "TooManyInvalidationsInProgress"

    def test_bad_paths_are_invalid_arguments(self, simulator, static_site):
        with pytest.raises(BackendError) as caught:
            simulator.create_invalidation(static_site.id, ["no-slash"], "ref")
        assert caught.value.code == "InvalidArgument"


class TestInvalidationsTab:
    def url(self, distribution):
        return reverse("distributions:distribution_invalidations", args=[distribution.id])

    def test_it_creates_and_lists(self, signed_in, static_site):
        response = signed_in.post(self.url(static_site), {"paths": "/*\n/images/logo.png"})
        assert response.status_code == 302
        page = signed_in.get(response.url)
        assert b"Invalidation I" in page.content
        assert b"/images/logo.png" in page.content

    def test_it_prefills_paths_from_the_origin_switch(self, signed_in, static_site):
        assert b">/*</textarea>" in signed_in.get(self.url(static_site), {"paths": "/*"}).content

    @pytest.mark.parametrize("paths", ["", "images/*", "/a*b"])
    def test_bad_paths_get_a_message_and_create_nothing(self, signed_in, static_site, paths):
        response = signed_in.post(self.url(static_site), {"paths": paths})
        assert response.status_code == 400
        assert b'class="alert alert-error"' in response.content
        assert not SimulatedInvalidation.objects.exists()


def test_aws_invalidations_round_trip_with_moto(monkeypatch):
    import boto3
    from moto import mock_aws

    from distributions.backends.aws import AwsBackend

    from .factories import distribution_config

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        backend = AwsBackend(client=boto3.client("cloudfront", region_name="us-east-1"))
        distribution_id = backend.create_distribution(distribution_config())["Distribution"]["Id"]
        created = backend.create_invalidation(distribution_id, ["/*"], "ref-1")
        assert created["Status"] == "Completed"  # moto says COMPLETED at once
        assert [i["Id"] for i in backend.list_invalidations(distribution_id)] == [created["Id"]]
