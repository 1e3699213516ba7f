"""The Distributions list: a table of hundreds of thousands of rows that costs the same whatever their number.

- Everything the table shows is stored on the mirror row (``mirror.list_fields``): one
  query reads a page, with no join and no backend call. In Progress rows are refreshed by
  the background worker (``tasks.refresh_deployments``) and by each row's htmx status
  badge, never by rendering the list.
- **Keyset paging**: a page is the ``size`` rows after (or before) the last row seen, in
  the order (sort column, ID), read along an index. Deep pages cost what page 1 costs,
  where OFFSET would read every row before them.
- **A capped count**: the header counts matching rows up to ``COUNT_CAP`` and shows
  "(1000+)" beyond, as the CloudFront console does, instead of counting the whole table on
  every view.

Every control is a plain GET link or form; with htmx the ``distribution-table`` partial is
swapped and the header count and pagination follow out of band.
"""

import base64
import binascii
import json
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django import forms
from django.db import connection, transaction
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_safe

from . import access
from .forms import first_error
from .middleware import Refused
from .models import Distribution
from .views import aws_identity, render_page

COUNT_CAP = 1000
PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_SIZE = 20
# Query parameter -> (column, header label). Only these columns can be sorted on: each has an index.
SORTS = {
    "id": ("id", "ID"),
    "description": ("comment", "Description"),
    "domain": ("domain_name", "Domain name"),
    "aliases": ("aliases_text", "Alternate domain names"),
    "status": ("status", "Status"),
    "state": ("enabled", "State"),
    "modified": ("last_modified", "Last modified"),
    "https": ("https_required", "HTTPS required"),
}
DEFAULT_SORT, DEFAULT_ORDER = "modified", "desc"  # most recently modified first, as the console lists them
HTTPS_FILTERS = {"yes": True, "no": False}
MAX_QUERY = 200
MAX_PAGE = 10**7  # the page number is only a label: keyset paging never counts rows before a page
MAX_CURSOR = 400


def _encode_cursor(row, column):
    value = getattr(row, column)
    value = value.isoformat() if hasattr(value, "isoformat") else value
    return base64.urlsafe_b64encode(json.dumps([value, row.pk]).encode()).decode().rstrip("=")


def _known_cursor(text):
    """A cursor's text, or "" when it is longer than any the console writes (an ID and one column's value)."""
    return text if len(text) <= MAX_CURSOR else ""


def _decode_cursor(text, column):
    """``(value, pk)`` from a cursor, or None for anything the console did not write."""
    if not text:
        return None
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError, binascii.Error):
        return None
    if not isinstance(pk, str) or len(pk) > 32:
        return None
    if column == "last_modified" and value is not None:
        value = parse_datetime(value) if isinstance(value, str) else None
        if value is None:
            return None
    elif column == "enabled" or column == "https_required":
        if not isinstance(value, bool):
            return None
    elif not isinstance(value, str):
        return None
    return value, pk


def _known(value, known, default):
    return value if value in known else default


class ListingForm(forms.Form):
    """The list's GET parameters.

    Only the filter text is checked strictly: a search for other words than the ones typed
    would mislead. Every other parameter is a link the console wrote, so a value it does not
    know (an old bookmark, an edited URL) falls back to its default and the list still opens.
    """

    q = forms.CharField(label="Filter", required=False, max_length=MAX_QUERY)
    sort = forms.CharField(required=False)
    order = forms.CharField(required=False)
    https = forms.CharField(required=False)
    size = forms.CharField(required=False)
    page = forms.CharField(required=False)
    after = forms.CharField(required=False, strip=False)
    before = forms.CharField(required=False, strip=False)

    def clean_sort(self):
        return _known(self.cleaned_data["sort"], SORTS, DEFAULT_SORT)

    def clean_order(self):
        default = "desc" if self.cleaned_data["sort"] == "modified" else "asc"
        return _known(self.cleaned_data["order"], ("asc", "desc"), default)

    def clean_https(self):
        return _known(self.cleaned_data["https"], HTTPS_FILTERS, "")

    def clean_size(self):
        sizes = {str(size): size for size in PAGE_SIZES}
        return sizes.get(self.cleaned_data["size"], DEFAULT_SIZE)

    def clean_page(self):
        try:
            return forms.IntegerField(min_value=1, max_value=MAX_PAGE).clean(self.cleaned_data["page"])
        except forms.ValidationError:
            return 1

    def clean_after(self):
        return _known_cursor(self.cleaned_data["after"])

    def clean_before(self):
        return _known_cursor(self.cleaned_data["before"])


@dataclass(frozen=True)
class Listing:
    """What the user asked the list for, from whitelisted query parameters."""

    query: str = ""
    sort: str = DEFAULT_SORT
    order: str = DEFAULT_ORDER
    https: str = ""
    size: int = DEFAULT_SIZE
    after: str = ""
    before: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, data):
        """Read the GET parameters (``ListingForm``); a filter text over its limit is refused."""
        form = ListingForm(data)
        if not form.is_valid():
            raise Refused(first_error(form))
        fields = form.cleaned_data
        return cls(
            query=fields["q"],
            sort=fields["sort"],
            order=fields["order"],
            https=fields["https"],
            size=fields["size"],
            after=fields["after"],
            before=fields["before"] if not fields["after"] else "",
            page=fields["page"],
        )

    @property
    def column(self):
        return SORTS[self.sort][0]

    def url(self, **changes):
        """A link to the list with ``changes``; cursors and page number are dropped unless given."""
        changed = replace(self, **{"after": "", "before": "", "page": 1, **changes})
        params = {
            "q": changed.query,
            "https": changed.https,
            "sort": changed.sort if (changed.sort, changed.order) != (DEFAULT_SORT, DEFAULT_ORDER) else "",
            "order": changed.order if (changed.sort, changed.order) != (DEFAULT_SORT, DEFAULT_ORDER) else "",
            "size": changed.size if changed.size != DEFAULT_SIZE else "",
            "after": changed.after,
            "before": changed.before,
            "page": changed.page if changed.page > 1 else "",
        }
        return "?" + urlencode({k: v for k, v in params.items() if v != ""})

    def headers(self):
        """The table's column headers: label, link that sorts by it (or None), and aria-sort."""
        headers = []
        for key, (_, label) in SORTS.items():
            current = key == self.sort
            next_order = (
                ("asc" if self.order == "desc" else "desc") if current else ("desc" if key == "modified" else "asc")
            )
            aria = ("ascending" if self.order == "asc" else "descending") if current else "none"
            headers.append({"key": key, "label": label, "url": self.url(sort=key, order=next_order), "aria_sort": aria})
        headers.insert(4, {"key": "origins", "label": "Origins", "url": None, "aria_sort": None})
        return headers


# A search the planner expects to match more rows than this reads the sort column's index in order (the
# first page is near its start); one expected to match fewer reads its matches and sorts them.
WALK_FROM_EXPECTED_MATCHES = 50_000


def _expected_rows(queryset):
    """The rows PostgreSQL's planner expects the table scan under ``queryset`` to return (an EXPLAIN, no run)."""
    plan = json.loads(queryset.explain(format="json"))[0]["Plan"]
    nodes, expected = [plan], []
    while nodes:
        node = nodes.pop()
        if node.get("Relation Name") == Distribution._meta.db_table:
            expected.append(node.get("Plan Rows", 0))
        nodes += node.get("Plans", [])
    return max(expected, default=0)


@contextmanager
def _bounded_search(ordered, searching):
    """On PostgreSQL, a search expected to match fewer than ``WALK_FROM_EXPECTED_MATCHES`` rows runs with no plain
    index scan, hence no walk along the sort column's index.

    The planner estimates a search's matches well (ANALYZE keeps statistics on the trigram indexes'
    expressions, migration 0011) but assumes they are spread evenly along the sort order: for a term
    that 12 % of 100,000 rows hold, all of them far down the order, it walked the last-modified index
    past 50,000 rows (46 ms, bench/console/README.md) to find the 21 a page needs. Without index scans
    it reads the matches through the trigram indexes (a bitmap scan) and sorts the top of them (19 ms),
    bounded by the number of matches. A broad term (the first letter typed in the filter) keeps the walk,
    which finds its page among the first rows. ``SET LOCAL`` ends with the transaction, and is reset at once.
    """
    if not searching or connection.vendor != "postgresql" or _expected_rows(ordered) >= WALK_FROM_EXPECTED_MATCHES:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        try:
            yield
        finally:
            cursor.execute("RESET enable_indexscan")


def keyset_page(rows, column, descending, size, after=None, before=None, searching=False):
    """``(rows of the page, has previous, has next)``: ``size`` rows after ``after`` (or before ``before``).

    Rows are ordered by (``column``, pk), in the same direction, so that equal values page in a
    stable order. NULLs sort where the database puts them by default (then an index serves both
    directions); ``nulls_order_largest`` says where that is.
    """
    backwards = before is not None
    cursor = before if backwards else after
    ascending = descending == backwards
    nulls_after = connection.features.nulls_order_largest == ascending
    if cursor:
        value, pk = cursor
        cmp = "gt" if ascending else "lt"
        if value is None:
            condition = Q(**{f"{column}__isnull": True, f"pk__{cmp}": pk})
            if not nulls_after:
                condition |= Q(**{f"{column}__isnull": False})
        else:
            condition = Q(**{f"{column}__{cmp}": value}) | Q(**{column: value, f"pk__{cmp}": pk})
            if nulls_after:
                condition |= Q(**{f"{column}__isnull": True})
        rows = rows.filter(condition)
    ordering = [column, "pk"] if ascending else [f"-{column}", "-pk"]
    ordered = rows.order_by(*ordering)[: size + 1]
    with _bounded_search(ordered, searching):
        found = list(ordered)
    more, found = len(found) > size, found[:size]
    if backwards:
        found.reverse()
        return found, more, True
    return found, cursor is not None, more


@require_safe
def distribution_list(request):
    """The Distributions table: filter, HTTPS filter, sort, page size and keyset pages; no backend call."""
    listing = Listing.from_query(request.GET)
    rows = Distribution.objects.filter(access.visible_filter(request.user)).search(listing.query)
    if listing.https:
        rows = rows.requiring_https(HTTPS_FILTERS[listing.https])
    rows = rows.defer("certificate", "last_error", "arn", "default_root_object", "etag")
    column = listing.column
    searching = bool(listing.query.strip())
    page, has_previous, has_next = keyset_page(
        rows,
        column,
        listing.order == "desc",
        listing.size,
        after=_decode_cursor(listing.after, column),
        before=_decode_cursor(listing.before, column),
        searching=searching,
    )
    if not page and (listing.after or listing.before):  # a cursor past the end: start again
        page, has_previous, has_next = keyset_page(
            rows, column, listing.order == "desc", listing.size, searching=searching
        )
        listing = replace(listing, after="", before="", page=1)
    # The count stops at COUNT_CAP + 1 rows: a bounded read whatever N (see the module docstring).
    count = rows.order_by()[: COUNT_CAP + 1].count()
    context = {
        "page": page,
        "listing": listing,
        "query": listing.query,
        "query_max_length": MAX_QUERY,
        "headers": listing.headers(),
        "count": min(count, COUNT_CAP),
        "count_capped": count > COUNT_CAP,
        "previous_url": listing.url(before=_encode_cursor(page[0], column), page=max(1, listing.page - 1))
        if has_previous and page
        else None,
        "next_url": listing.url(after=_encode_cursor(page[-1], column), page=listing.page + 1)
        if has_next and page
        else None,
        "page_sizes": PAGE_SIZES,
        "identity": aws_identity(),
    }
    # An htmx request gets the rows, plus the header count, pagination and sort state out of band.
    context["fragment"] = bool(request.htmx and request.htmx.target == "distribution-table")
    return render_page(request, "distributions/distribution_list.html", context, partials=("distribution-table",))
