"""The mirror: list fields stored when a row is written, a sync that streams, and page views that write nothing."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributions import mirror
from distributions.models import Distribution
from distributions.sandbox.models import SimulatedDistribution

from .factories import OriginFactory, distribution_config

pytestmark = pytest.mark.django_db


def writes(captured):
    """The statements of ``captured`` that change the mirror's tables."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"} and '"distributions_' in q["sql"]
    ]


class TestListFields:
    @pytest.mark.parametrize(
        "behaviors, default, required, http",
        [
            ([("/a/*", "https-only")], "redirect-to-https", True, 0),
            ([("/a/*", "https-only")], "allow-all", False, 1),
            ([("/a/*", "allow-all"), ("/b/*", "allow-all")], "allow-all", False, 3),
            ([], "https-only", True, 0),
        ],
    )
    def test_the_row_says_whether_every_behavior_requires_https(
        self, make_distribution, behaviors, default, required, http
    ):
        row = make_distribution(behaviors, default_policy=default)
        assert (row.https_required, row.http_behavior_count, row.behavior_count) == (required, http, len(behaviors) + 1)

    def test_the_row_keeps_the_first_origins_and_their_number(self, make_distribution):
        row = make_distribution(origins=[OriginFactory(Id="origin-main")] + [OriginFactory() for _ in range(4)])
        assert row.origin_count == 5
        assert row.origin_domains[0] == "origin-main.example.com" and len(row.origin_domains) == mirror.LISTED_ORIGINS

    def test_a_push_updates_the_flag(self, make_distribution, simulator):
        from distributions import publish

        row = make_distribution()
        snapshot = publish.begin_edit(row.id)
        publish.set_viewer_protocol_policy(row.id, ["*"], "redirect-to-https", snapshot.etag)
        assert Distribution.objects.get(pk=row.id).https_required is True

    def test_the_migration_backfills_rows_mirrored_before_it(self, make_distribution):
        from django.apps import apps

        row = make_distribution([("/a/*", "https-only")], default_policy="allow-all")
        Distribution.objects.filter(pk=row.id).update(
            https_required=True, behavior_count=0, http_behavior_count=0, origin_count=0, origin_domains=[]
        )
        migration = importlib.import_module("distributions.migrations.0009_mirror_list_fields")
        migration.backfill(apps, None)
        row.refresh_from_db()
        assert (row.https_required, row.behavior_count, row.http_behavior_count) == (False, 2, 1)
        assert (row.origin_count, row.origin_domains) == (1, ["origin-main.example.com"])


class TestSync:
    def test_it_removes_distributions_gone_from_the_backend(self, make_distribution, simulator):
        kept, gone = make_distribution(), make_distribution()
        SimulatedDistribution.objects.filter(pk=gone.id).delete()
        assert mirror.sync_all(simulator, page_size=1) == 1
        assert list(Distribution.objects.values_list("pk", flat=True)) == [kept.id]
        assert Distribution.objects.get(pk=kept.id).listed_at is not None

    def test_a_row_written_during_the_sync_survives_it(self, make_distribution, simulator):
        make_distribution()
        late = Distribution.objects.create(id="ELATE", domain_name="late.cloudfront.net", status="Deployed")

        class Listing:
            def list_distributions(self):
                # The listing was taken before ELATE was written: it cannot name it.
                Distribution.objects.filter(pk=late.pk).update(domain_name="late.cloudfront.net")
                yield from simulator.list_distributions()

        Distribution.objects.filter(pk=late.pk).update(synced_at="2999-01-01T00:00:00Z")
        mirror.sync_all(Listing())
        assert Distribution.objects.filter(pk=late.pk).exists()

    def test_it_holds_one_page_not_every_id(self, make_distribution, simulator, monkeypatch):
        for n in range(5):
            make_distribution(comment=f"site {n}")
        pages = []
        original = mirror.mirror_many
        monkeypatch.setattr(mirror, "mirror_many", lambda batch, *a: pages.append(len(batch)) or original(batch, *a))
        assert mirror.sync_all(simulator, page_size=2) == 5
        assert pages == [2, 2, 1]

    def test_refresh_in_progress_reads_in_batches(self, make_distribution, simulator, settings, monkeypatch):
        from distributions import publish

        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        rows = [make_distribution(comment=f"site {n}") for n in range(5)]
        for row in rows:
            snapshot = publish.begin_edit(row.id)
            publish.set_viewer_protocol_policy(row.id, ["*"], "https-only", snapshot.etag)
        monkeypatch.setattr(mirror, "REFRESH_BATCH", 2)
        batches = []
        original = mirror.mirror_many
        monkeypatch.setattr(mirror, "mirror_many", lambda batch, *a: batches.append(len(batch)) or original(batch, *a))
        SimulatedDistribution.objects.update(deploy_ready_at="2000-01-01T00:00:00Z")
        assert mirror.refresh_in_progress(backend=simulator) == 0
        assert batches == [2, 2, 1]
        assert Distribution.objects.in_progress().count() == 0


TABS = ["distribution_general", "distribution_origins", "distribution_behaviors"]


def _imported(config):
    from distributions import publish
    from distributions.sandbox.simulator import SimulatorBackend

    simulator = SimulatorBackend()
    row = publish.import_distribution(config, simulator)
    return mirror.sync_distribution(row.id, simulator)


class TestDistributionTabs:
    @pytest.mark.parametrize("name", TABS)
    def test_a_page_view_writes_nothing_when_the_backend_did_not_change(self, signed_in, make_distribution, name):
        row = make_distribution([("/a/*", "https-only")])
        url = reverse(f"distributions:{name}", args=[row.id])
        signed_in.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(url).status_code == 200
        assert writes(captured) == []

    def test_a_page_view_rewrites_the_row_when_the_backend_changed(self, signed_in, make_distribution):
        row = make_distribution(comment="before")
        stored = SimulatedDistribution.objects.get(pk=row.id)
        SimulatedDistribution.objects.filter(pk=row.id).update(
            config={**stored.config, "Comment": "after"}, etag="ECHANGED"
        )
        with CaptureQueriesContext(connection) as captured:
            signed_in.get(reverse("distributions:distribution_general", args=[row.id]))
        assert writes(captured)
        assert Distribution.objects.get(pk=row.id).comment == "after"

    @pytest.mark.parametrize("name", TABS + ["behavior_edit"])
    def test_queries_do_not_grow_with_behaviors_or_origins(self, signed_in, settings, name):
        """A distribution at today's quotas (75 cache behaviors + the default, 100 origins) costs the same
        queries as a one-behavior one: the tabs and the edit page read the rows in bulk, never per row."""
        quotas = settings.CONSOLE_SIMULATOR_QUOTAS
        counts = []
        for behaviors, origins in ((0, 1), (quotas.cache_behaviors, quotas.origins)):
            config = distribution_config(
                [(f"/p{n:02d}/*", "allow-all") for n in range(behaviors)],
                origins=[OriginFactory(Id="origin-main")] + [OriginFactory() for _ in range(origins - 1)],
            )
            row = _imported(config)
            assert (row.behavior_count, row.origin_count) == (behaviors + 1, origins)
            url = reverse(f"distributions:{name}", args=[row.id])
            if name == "behavior_edit":
                url += f"?behavior={'/p00/*' if behaviors else '*'}"
            signed_in.get(url)
            with CaptureQueriesContext(connection) as captured:
                assert signed_in.get(url).status_code == 200
            counts.append(len(captured.captured_queries))
        assert counts[0] == counts[1], counts
