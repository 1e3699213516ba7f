"""The sync's cost: a page costs the same queries whatever it holds and N, status changes cost one
UPDATE per status, and a remote backend's next page is fetched while the current one is written."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from distributions import mirror, paging
from distributions.models import CacheBehavior, Distribution, Origin

from .factories import OriginFactory

pytestmark = pytest.mark.django_db


class Listing:
    """A backend whose ListDistributions answers the given summaries and reads no table (as AWS)."""

    def __init__(self, summaries, prefetch_pages=False):
        self.summaries = summaries
        self.prefetch_pages = prefetch_pages
        self.threads = set()

    def list_distributions(self):
        self.threads.add(threading.current_thread().name)
        yield from self.summaries


@pytest.fixture
def summaries(make_distribution, simulator):
    """Six distributions of different sizes as ListDistributions lists them, and an empty mirror."""
    for n in range(6):
        behaviors = [(f"/p{k}/*", "https-only") for k in range(n)]
        make_distribution(behaviors, origins=[OriginFactory() for _ in range(1 + n % 3)], comment=f"site {n}")
    listed = list(simulator.list_distributions())
    Distribution.objects.all().delete()
    return listed


def sync_queries(summaries, page_size=3):
    with CaptureQueriesContext(connection) as captured:
        assert mirror.sync_all(Listing(summaries), page_size=page_size) == len(summaries)
    return len(captured.captured_queries)


def children():
    return sorted(CacheBehavior.objects.values_list("pk", flat=True)), sorted(
        Origin.objects.values_list("pk", flat=True)
    )


class TestQueriesPerPage:
    def test_a_page_costs_the_same_whatever_it_holds(self, summaries):
        one = sync_queries(summaries[:1])
        Distribution.objects.all().delete()
        assert sync_queries(summaries[3:6]) == one  # 3 distributions with 3 to 5 behaviors each

    def test_pages_cost_the_same_each_whatever_n(self, summaries):
        nothing = sync_queries([])
        page = sync_queries(summaries[:3]) - nothing
        Distribution.objects.all().delete()
        assert sync_queries(summaries) - nothing == 2 * page
        assert Distribution.objects.count() == 6 and CacheBehavior.objects.count() == sum(range(6)) + 6

    def test_status_changes_alone_cost_one_update_per_status_and_rewrite_no_behavior(self, summaries, simulator):
        sync_queries(summaries)
        answers = [simulator.get_distribution(s["Id"]) for s in summaries]
        mirror.mirror_many([a["Distribution"] for a in answers], {a["Distribution"]["Id"]: a["ETag"] for a in answers})
        before = children()
        deploying = [
            {**a["Distribution"], "Status": "InProgress"} if n % 2 else a["Distribution"] for n, a in enumerate(answers)
        ]
        with CaptureQueriesContext(connection) as captured:
            mirror.mirror_many(deploying, {a["Distribution"]["Id"]: a["ETag"] for a in answers})
        updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
        assert len(updates) == 1
        assert Distribution.objects.in_progress().count() == 3 and children() == before


class TestListingRules:
    def test_a_newer_listing_rewrites_the_row_and_its_children(self, summaries, simulator):
        sync_queries(summaries)
        config, etag = simulator.get_distribution_config(summaries[0]["Id"])
        config["Comment"] = "changed elsewhere"
        simulator.update_distribution(summaries[0]["Id"], config, etag)
        mirror.sync_all(simulator)
        assert Distribution.objects.get(pk=summaries[0]["Id"]).comment == "changed elsewhere"

    def test_an_older_listing_never_rolls_the_mirror_back(self, summaries):
        sync_queries(summaries)
        older = [{**summaries[0], "LastModifiedTime": "2001-01-01T00:00:00Z", "Comment": "stale"}]
        mirror.sync_all(Listing(older))
        assert Distribution.objects.get(pk=summaries[0]["Id"]).comment == summaries[0]["Comment"]

    def test_a_sync_rewrites_what_the_mirror_holds_even_for_the_same_version(self, summaries):
        sync_queries(summaries)
        Distribution.objects.filter(pk=summaries[1]["Id"]).update(comment="edited in the mirror alone")
        sync_queries(summaries)
        assert Distribution.objects.get(pk=summaries[1]["Id"]).comment == summaries[1]["Comment"]


class TestFetchAhead:
    def test_a_remote_listing_is_read_on_another_thread_and_a_local_one_is_not(self, summaries):
        remote, local = Listing(summaries, prefetch_pages=True), Listing(summaries)
        assert [len(p) for p in paging.pages(remote, 4)] == [4, 2]
        assert [len(p) for p in paging.pages(local, 4)] == [4, 2]
        assert remote.threads == {"list-ahead"} and local.threads == {threading.current_thread().name}

    def test_it_holds_at_most_two_pages_beyond_the_one_being_written(self):
        produced = []

        def listing():
            for n in range(20):
                produced.append(n)
                yield n

        for n in paging._ahead(listing()):
            assert len(produced) <= n + 3  # this item, one queued, one being fetched

    def test_a_listing_error_reaches_the_caller(self):
        def listing():
            yield 1
            raise RuntimeError("AccessDenied")

        got = []
        with pytest.raises(RuntimeError, match="AccessDenied"):
            for item in paging._ahead(listing()):
                got.append(item)
        assert got == [1]

    def test_the_thread_stops_when_the_caller_stops(self):
        produced = []

        def listing():
            for n in range(1000):
                produced.append(n)
                yield n

        ahead = paging._ahead(listing())
        assert next(ahead) == 0
        ahead.close()
        assert not any(t.name == "list-ahead" for t in threading.enumerate())
        assert len(produced) <= 3


class TestUnchangedReads:
    def test_reading_the_version_the_mirror_holds_takes_no_lock_and_opens_no_transaction(self, simulator, static_site):
        with CaptureQueriesContext(connection) as captured:
            mirror.read(static_site.id, simulator)
        statements = [q["sql"] for q in captured.captured_queries]
        assert not [
            sql for sql in statements if "FOR UPDATE" in sql or sql.split()[0].upper() in {"SAVEPOINT", "BEGIN"}
        ]

    def test_a_changed_reading_is_still_written_under_the_lock(self, simulator, static_site):
        config, etag = simulator.get_distribution_config(static_site.id)
        config["Comment"] = "changed"
        simulator.update_distribution(static_site.id, config, etag)
        with CaptureQueriesContext(connection) as captured:
            row = mirror.read(static_site.id, simulator).row
        locked = "FOR UPDATE" if connection.features.has_select_for_update else "SAVEPOINT"  # SQLite: no row locks
        assert row.comment == "changed" and any(locked in q["sql"] for q in captured.captured_queries)
