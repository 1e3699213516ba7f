"""The mirror's rules: a read that lost a race never rolls it back; an unchanged read writes no behaviors."""

from datetime import timedelta

import pytest
from django.utils.dateparse import parse_datetime

from distributions import mirror
from distributions.models import CacheBehavior, Distribution

pytestmark = pytest.mark.django_db


def reading(simulator, distribution_id):
    answer = simulator.get_distribution(distribution_id)
    return answer["Distribution"], answer["ETag"]


class TestAntiRollback:
    def test_an_older_read_never_replaces_a_newer_mirror(self, simulator, static_site):
        distribution, etag = reading(simulator, static_site.id)
        older = {**distribution, "LastModifiedTime": "2001-01-01T00:00:00Z", "Status": "InProgress"}
        older["DistributionConfig"] = {**distribution["DistributionConfig"], "Comment": "stale"}
        mirror.mirror_many([older], {static_site.id: "EOLDER"})
        row = Distribution.objects.get(pk=static_site.id)
        assert (row.etag, row.comment) == (etag, "Static site")

    def test_a_newer_read_replaces_the_mirror(self, simulator, static_site):
        distribution, _ = reading(simulator, static_site.id)
        modified = parse_datetime(distribution["LastModifiedTime"]) + timedelta(seconds=1)
        newer = {**distribution, "LastModifiedTime": modified.isoformat()}
        newer["DistributionConfig"] = {**distribution["DistributionConfig"], "Comment": "fresh"}
        mirror.mirror_many([newer], {static_site.id: "ENEWER"})
        row = Distribution.objects.get(pk=static_site.id)
        assert (row.etag, row.comment) == ("ENEWER", "fresh")

    def test_reading_the_version_the_mirror_holds_rewrites_no_behavior(self, simulator, static_site):
        before = list(CacheBehavior.objects.filter(distribution_id=static_site.id).values_list("pk", flat=True))
        mirror.read(static_site.id, simulator)
        after = list(CacheBehavior.objects.filter(distribution_id=static_site.id).values_list("pk", flat=True))
        assert before == after


class TestRead:
    def test_it_reports_drift_when_the_backend_changed_elsewhere(self, simulator, static_site):
        config, etag = simulator.get_distribution_config(static_site.id)
        config["Comment"] = "changed with another console"
        simulator.update_distribution(static_site.id, config, etag)
        result = mirror.read(static_site.id, simulator)
        assert result.drift == (static_site.etag, result.row.etag)
        assert result.config["Comment"] == "changed with another console"

    def test_no_drift_when_nothing_changed(self, simulator, static_site):
        assert mirror.read(static_site.id, simulator).drift is None
