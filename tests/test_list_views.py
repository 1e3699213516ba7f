"""The Distributions list: columns, filters, sorts, keyset pages, htmx fragments, and a cost that does not grow."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from distributions import list_views
from distributions.backends import base
from distributions.models import Distribution

pytestmark = pytest.mark.django_db

LIST_URL = "/distributions/"


class RefusingBackend:
    """A backend that fails the test if a page asks it anything."""

    def __init__(self):
        raise AssertionError("the list page called the backend")


@pytest.fixture
def no_backend(monkeypatch):
    monkeypatch.setitem(base.BACKENDS, "simulator", f"{__name__}.RefusingBackend")


def mirror_rows(count, in_progress=0, start=0):
    """Mirror rows without a backend behind them, one minute apart (the highest number most recent)."""
    now = timezone.now()
    rows = [
        Distribution(
            id=f"EROW{n:08d}",
            domain_name=f"d{n:08d}.cloudfront.net",
            comment=f"row {n:03d}",
            status="InProgress" if n - start < in_progress else "Deployed",
            last_modified=now - timedelta(minutes=10_000 - n),
            https_required=n % 2 == 0,
            behavior_count=3,
            http_behavior_count=0 if n % 2 == 0 else 1,
            origin_count=1,
            origin_domains=[f"origin{n}.example.com"],
        )
        for n in range(start, start + count)
    ]
    Distribution.objects.bulk_create(rows)
    return rows


def ids(response):
    return [d.id for d in response.context["page"]]


def queries(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


class TestDistributionList:
    def test_it_lists_distributions_with_the_documented_columns(self, signed_in, static_site):
        response = signed_in.get(reverse("distributions:distribution_list"))
        assert response.status_code == 200
        body = response.content.decode()
        headings = re.findall(r'<th scope="col"[^>]*>(?:<a [^>]*>)?([^<]+)', body)
        assert headings == [
            "ID",
            "Description",
            "Domain name",
            "Alternate domain names",
            "Origins",
            "Status",
            "State",
            "Last modified",
            "HTTPS required",
        ]
        assert reverse("distributions:distribution_general", args=[static_site.id]) in body
        assert static_site.domain_name in body
        assert "origin-main.example.com" in body
        assert "Deployed" in body

    def test_it_says_whether_every_behavior_requires_https(self, signed_in, make_distribution):
        secure = make_distribution([("/a/*", "https-only")], default_policy="redirect-to-https", comment="secure one")
        open_ = make_distribution([("/a/*", "https-only")], default_policy="allow-all", comment="open one")
        page = signed_in.get(reverse("distributions:distribution_list")).context["page"]
        required = {d.id: d.https_required for d in page}
        assert required == {secure.id: True, open_.id: False}

    def test_http_and_https_is_a_warning_with_an_explanation_not_an_error(self, signed_in, make_distribution):
        make_distribution([("/a/*", "https-only")], default_policy="allow-all")
        body = signed_in.get(LIST_URL).content.decode()
        assert '<span class="status status-warning">No</span>' in body
        assert "HTTP and HTTPS on 1 of 2 behaviors" in body
        assert "status-error" not in body

    def test_the_filter_matches_comment_domain_and_id(self, signed_in, make_distribution):
        a = make_distribution(comment="marketing site")
        b = make_distribution(comment="payments api")
        assert ids(signed_in.get(LIST_URL, {"q": "payments"})) == [b.id]
        assert ids(signed_in.get(LIST_URL, {"q": a.domain_name[:8]})) == [a.id]
        assert ids(signed_in.get(LIST_URL, {"q": a.id.lower()})) == [a.id]
        assert b"No distribution matches" in signed_in.get(LIST_URL, {"q": "zzz-nothing"}).content

    def test_the_filter_finds_alternate_domain_names(self, signed_in, make_distribution):
        aliased = make_distribution(
            aliases=["shop.example.org"],
            ViewerCertificate={
                "CloudFrontDefaultCertificate": False,
                "ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                "SSLSupportMethod": "sni-only",
                "MinimumProtocolVersion": "TLSv1.2_2021",
            },
        )
        make_distribution()
        assert ids(signed_in.get(LIST_URL, {"q": "shop.example"})) == [aliased.id]

    def test_the_https_filter_shows_only_distributions_that_allow_http(self, signed_in):
        mirror_rows(6)
        response = signed_in.get(LIST_URL, {"https": "no"})
        assert ids(response) == ["EROW00000005", "EROW00000003", "EROW00000001"]
        assert response.context["count"] == 3
        assert ids(signed_in.get(LIST_URL, {"https": "yes"})) == ["EROW00000004", "EROW00000002", "EROW00000000"]

    def test_the_default_order_is_most_recently_modified_first(self, signed_in):
        mirror_rows(3)
        assert ids(signed_in.get(LIST_URL)) == ["EROW00000002", "EROW00000001", "EROW00000000"]

    @pytest.mark.parametrize("sort", list(list_views.SORTS))
    @pytest.mark.parametrize("order", ["asc", "desc"])
    def test_every_column_sorts_both_ways_and_pages_through_every_row(self, signed_in, monkeypatch, sort, order):
        mirror_rows(7)
        Distribution.objects.filter(pk__in=["EROW00000001", "EROW00000002"]).update(enabled=False, status="InProgress")
        Distribution.objects.filter(pk="EROW00000003").update(last_modified=None)  # NULLs page too
        column = list_views.SORTS[sort][0]
        descending = order == "desc"
        expected = [
            d.id
            for d in Distribution.objects.order_by(
                f"-{column}" if descending else column, "-pk" if descending else "pk"
            )
        ]
        assert ids(signed_in.get(LIST_URL, {"sort": sort, "order": order})) == expected
        # Pages of 3 give the same order, ties broken by ID, nothing lost or repeated.
        monkeypatch.setattr(list_views, "PAGE_SIZES", (3, *list_views.PAGE_SIZES))
        seen, url = [], f"?sort={sort}&order={order}&size=3"
        while url:
            response = signed_in.get(LIST_URL + url)
            seen += ids(response)
            url = response.context["next_url"]
        assert seen == expected

    def test_an_unknown_sort_falls_back_to_the_default(self, signed_in):
        mirror_rows(2)
        assert ids(signed_in.get(LIST_URL, {"sort": "etag", "order": "sideways"})) == ["EROW00000001", "EROW00000000"]

    def test_it_pages_forward_and_back_with_keyset_links(self, signed_in):
        mirror_rows(23)
        first = signed_in.get(LIST_URL)
        assert len(first.context["page"]) == 20 and first.context["previous_url"] is None
        second = signed_in.get(LIST_URL + first.context["next_url"])
        assert len(second.context["page"]) == 3 and second.context["next_url"] is None
        assert set(ids(first)).isdisjoint(ids(second))
        back = signed_in.get(LIST_URL + second.context["previous_url"])
        assert ids(back) == ids(first)
        assert parse_qs(urlsplit(second.context["previous_url"]).query).get("page") is None

    def test_the_page_size_is_chosen_from_the_list(self, signed_in):
        mirror_rows(12)
        assert len(signed_in.get(LIST_URL, {"size": 10}).context["page"]) == 10
        assert len(signed_in.get(LIST_URL, {"size": 7}).context["page"]) == 12  # not offered: the default 20

    @pytest.mark.parametrize("cursor", ["nonsense", "W10", "WyJ4IiwgMV0", "%00"])
    def test_a_bad_cursor_shows_the_first_page(self, signed_in, cursor):
        mirror_rows(2)
        response = signed_in.get(LIST_URL, {"after": cursor, "page": "x"})
        assert response.status_code == 200
        assert ids(response) == ["EROW00000001", "EROW00000000"]

    def test_the_count_stops_at_the_cap(self, signed_in, monkeypatch):
        monkeypatch.setattr(list_views, "COUNT_CAP", 4)
        mirror_rows(6)
        assert b'<span id="distribution-count" class="counter">(4+)</span>' in signed_in.get(LIST_URL).content
        assert b'class="counter">(3)</span>' in signed_in.get(LIST_URL, {"https": "no"}).content

    def test_htmx_returns_the_rows_and_the_count_pages_and_sort_out_of_band(self, signed_in, static_site):
        response = signed_in.get(
            LIST_URL,
            {"https": "no", "sort": "id"},
            headers={"HX-Request": "true", "HX-Target": "distribution-table"},
        )
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="distribution-table"')
        assert "<html" not in body
        assert '<span id="distribution-count" class="counter" hx-swap-oob="true">(1)</span>' in body
        assert '<nav id="distribution-pages" class="pagination" aria-label="Pages" hx-swap-oob="true">' in body
        assert '<input type="hidden" name="sort" value="id">' in body

    def test_without_htmx_there_is_no_out_of_band_markup(self, signed_in, static_site):
        assert b"hx-swap-oob" not in signed_in.get(LIST_URL).content

    def test_it_rejects_post(self, signed_in):
        assert signed_in.post(reverse("distributions:distribution_list")).status_code == 405

    def test_it_never_calls_the_backend_even_with_rows_in_progress(self, signed_in, no_backend):
        mirror_rows(5, in_progress=5)
        response = signed_in.get(LIST_URL)
        assert response.status_code == 200
        assert response.content.count(b"status-in-progress") == 5

    def test_it_never_writes_the_mirror(self, signed_in, no_backend):
        mirror_rows(5, in_progress=2)
        with CaptureQueriesContext(connection) as captured:
            signed_in.get(LIST_URL, {"q": "row", "https": "no", "sort": "status"})
        reads = ("SELECT", "EXPLAIN")  # the search asks PostgreSQL's planner for its estimate (list_views)
        writes = [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(reads)]
        assert [w for w in writes if "distributions_" in w] == []

    def test_its_queries_do_not_grow_with_the_fleet_or_the_number_in_progress(self, signed_in, no_backend):
        mirror_rows(5)
        small = queries(signed_in, LIST_URL)
        small_filtered = queries(signed_in, LIST_URL, https="no", sort="domain", q="row")
        mirror_rows(200, in_progress=150, start=5)
        assert queries(signed_in, LIST_URL) == small
        assert queries(signed_in, LIST_URL, https="no", sort="domain", q="row") == small_filtered
        assert queries(signed_in, LIST_URL, size=100) == small
