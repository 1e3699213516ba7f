"""The one reviewed-change pipeline: every change path reviews, refuses and pushes the same way."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from distributions import pipeline, publish
from distributions.cloudfront import config as cfg
from distributions.models import AuditEntry, AuditOutcome, EditSnapshot
from distributions.review import finding_id
from distributions.sandbox.models import SimulatedDistribution

pytestmark = pytest.mark.django_db

SHADOWING = [("/images/*", "allow-all"), ("/images/*.jpg", "allow-all")]


def simulated(distribution_id):
    row = SimulatedDistribution.objects.get(pk=distribution_id)
    return row.config, row.etag


@pytest.fixture
def unshadowed(make_distribution):
    """A distribution whose shadowed behavior was fixed by a push; that push's history entry."""
    site = make_distribution(SHADOWING)
    snapshot = publish.begin_edit(site.id)
    after = cfg.reorder(snapshot.config, ["/images/*.jpg", "/images/*"])
    outcome = pipeline.submit_reviewed(None, snapshot, after, action="reorder", summary="Fix the shadowing")
    assert outcome.status == pipeline.PUSHED
    assert [f.code for f in outcome.review.removed] == ["shadowed-behavior"]
    return site, AuditEntry.objects.get(outcome=AuditOutcome.PUSHED)


class TestSubmitReviewed:
    def test_it_refuses_an_error_the_change_adds_until_it_is_acknowledged(self, unshadowed):
        site, _ = unshadowed
        snapshot = publish.begin_edit(site.id)
        after = cfg.reorder(snapshot.config, ["/images/*", "/images/*.jpg"])
        before = simulated(site.id)
        refused = pipeline.submit_reviewed(None, snapshot, after, action="reorder", summary="Shadow it again")
        assert refused.status == pipeline.REFUSED
        assert refused.errors == (pipeline.UNACKNOWLEDGED,)
        assert simulated(site.id) == before
        acknowledged = [finding_id(f) for f in refused.review.errors_added]
        went = pipeline.submit_reviewed(
            None, snapshot, after, action="reorder", summary="Shadow it again", acknowledged=acknowledged
        )
        assert went.status == pipeline.PUSHED

    def test_a_change_that_changes_nothing_pushes_nothing(self, make_distribution):
        site = make_distribution(SHADOWING)
        snapshot = publish.begin_edit(site.id)
        outcome = pipeline.submit_reviewed(None, snapshot, snapshot.config, action="reorder", summary="Nothing")
        assert outcome.status == pipeline.UNCHANGED
        assert simulated(site.id)[1] == snapshot.etag

    def test_an_unticked_confirmation_is_refused_with_its_message(self, make_distribution):
        site = make_distribution(SHADOWING)
        snapshot = publish.begin_edit(site.id)
        after = cfg.set_viewer_protocol_policy(snapshot.config, ["*"], "https-only")
        box = pipeline.Confirmation("confirm", "Tick the box.")
        outcome = pipeline.submit_reviewed(None, snapshot, after, action="x", summary="x", confirmations=[box])
        assert (outcome.status, outcome.errors) == (pipeline.REFUSED, ("Tick the box.",))


class TestRestoreGoesThroughTheReview:
    def url(self, site, entry):
        return reverse("distributions:history_restore", args=[site.id, entry.pk])

    def test_restore_shows_the_error_it_would_add_with_an_acknowledge_box(self, signed_in, unshadowed):
        site, entry = unshadowed
        response = signed_in.get(self.url(site, entry))
        assert response.status_code == 200
        assert [f.code for f in response.context["review"].added] == ["shadowed-behavior"]
        assert b'name="acknowledge"' in response.content

    def test_restore_refuses_an_unacknowledged_error_it_would_add(self, signed_in, unshadowed):
        site, entry = unshadowed
        etag = signed_in.get(self.url(site, entry)).context["snapshot"].etag
        before = simulated(site.id)
        response = signed_in.post(self.url(site, entry), {"etag": etag, "confirm": "on"})
        assert response.status_code == 400
        assert pipeline.UNACKNOWLEDGED.encode() in response.content
        assert simulated(site.id) == before

    def test_restore_with_the_error_acknowledged_pushes(self, signed_in, unshadowed):
        site, entry = unshadowed
        page = signed_in.get(self.url(site, entry))
        acknowledge = [finding_id(f) for f in page.context["review"].errors_added]
        data = {"etag": page.context["snapshot"].etag, "confirm": "on", "acknowledge": acknowledge}
        response = signed_in.post(self.url(site, entry), data)
        assert response.status_code == 302
        config, _ = simulated(site.id)
        assert [b["PathPattern"] for b in config["CacheBehaviors"]["Items"]] == ["/images/*", "/images/*.jpg"]
        assert AuditEntry.objects.filter(action="rollback", outcome=AuditOutcome.PUSHED).count() == 1

    def test_the_behaviors_edit_refuses_the_same_way(self, signed_in, unshadowed, monkeypatch):
        """The Behaviors edit takes the same path: an error the change adds stops it until acknowledged."""
        site, _ = unshadowed
        calls = []
        real = pipeline.submit_reviewed
        monkeypatch.setattr(pipeline, "submit_reviewed", lambda *a, **k: calls.append(k["action"]) or real(*a, **k))
        url = reverse("distributions:behavior_edit", args=[site.id])
        etag = signed_in.get(url, {"behavior": "*"}).context["snapshot"].etag
        confirmations = {"confirm_path_patterns": "on", "confirm_order": "on", "confirm_origins": "on"}
        data = {"etag": etag, "behavior": "*", "policy": "https-only", **confirmations}
        assert signed_in.post(url, data).status_code == 302
        assert calls == ["viewer-protocol-policy"]


class _AwsLikeBackend:
    """What review_change asks of a backend, named as the boto3 one is: no certificate is known."""

    name = "aws"

    def certificate_names(self, reference):
        return None


class _SimulatorLikeBackend(_AwsLikeBackend):
    name = "simulator"


def test_in_aws_mode_cloudfronts_rules_are_warnings_and_aws_decides():
    """Issue #11 item 3: the console never refuses locally what AWS may accept (raised quotas, new values)."""
    from .factories import distribution_config

    before = distribution_config()
    after = cfg.set_viewer_certificate(before, ["www.example.com"], None, "acm", "sni-only", "TLSv1")
    sandbox = pipeline.review_change(before, after, _SimulatorLikeBackend())
    assert [f.code for f in sandbox.refused] == ["default-certificate-with-aliases"]
    assert sandbox.warnings == []
    aws = pipeline.review_change(before, after, _AwsLikeBackend())
    assert aws.refused == []
    assert [f.code for f in aws.acknowledgeable] == ["default-certificate-with-aliases"]
    assert any(w.startswith("InvalidViewerCertificate:") for w in aws.warnings)
    assert pipeline.refusals(aws, (), (), [finding_id(f) for f in aws.acknowledgeable]) == []


class TestExpiredSnapshots:
    """Edits left open a week are over; the snapshots are looked for every few minutes, not on every page."""

    def test_an_edit_begun_again_on_a_week_old_version_starts_a_new_week(self, make_distribution):
        site = make_distribution([("/a/*", "allow-all")])
        snapshot = publish.begin_edit(site.id)
        EditSnapshot.objects.filter(pk=snapshot.pk).update(created_at=timezone.now() - timedelta(days=8))
        assert publish.snapshot_for(site.id, snapshot.etag) is None  # expired, pruned or not
        again = publish.begin_edit(site.id)
        assert again.etag == snapshot.etag
        assert publish.snapshot_for(site.id, snapshot.etag) == again

    def test_a_week_old_snapshot_goes_and_a_recent_one_stays(self, make_distribution, monkeypatch):
        site = make_distribution([("/a/*", "allow-all")])
        snapshot = publish.begin_edit(site.id)
        now = timezone.now()
        EditSnapshot.objects.filter(pk=snapshot.pk).update(created_at=now - timedelta(days=8))
        recent = EditSnapshot.objects.create(distribution_id=site.id, etag="RECENT", config={}, created_at=now)
        monkeypatch.setattr(publish, "_next_purge", None)
        publish.purge_expired_snapshots(now)
        assert list(EditSnapshot.objects.values_list("pk", flat=True)) == [recent.pk]
        assert publish.snapshot_for(site.id, snapshot.etag) is None  # a late push is told to start again

    def test_it_looks_again_only_after_the_interval(self, make_distribution, monkeypatch):
        site = make_distribution([("/a/*", "allow-all")])
        now = timezone.now()
        monkeypatch.setattr(publish, "_next_purge", None)
        publish.purge_expired_snapshots(now)
        old = EditSnapshot.objects.create(distribution_id=site.id, etag="OLD", config={})
        EditSnapshot.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=8))
        publish.purge_expired_snapshots(now + timedelta(minutes=1))
        assert EditSnapshot.objects.filter(pk=old.pk).exists()
        publish.purge_expired_snapshots(now + publish.SNAPSHOT_PURGE_INTERVAL)
        assert not EditSnapshot.objects.filter(pk=old.pk).exists()
