"""Usage and estimated charges of the sandbox edge.

The edge counts in memory (``UsageMeter.record``, no database write per request)
and flushes the counts to ``EdgeUsage`` about every second and at shutdown.
``estimate_charges`` is a pure function over counters and a price table; it makes
the reference page's point visible: a redirected request is billed twice, once as
the HTTP request that got the 301 and once as the HTTPS request that follows.
"""

from decimal import ROUND_HALF_UP, Decimal

from ..models import EdgeUsage

BYTES_PER_GB = 1024**3  # AWS bills data transfer per GB of 2^30 bytes
DEFAULT_PRICES = {
    "http_per_10000": "0.0075",  # USD per 10,000 HTTP requests
    "https_per_10000": "0.0100",  # USD per 10,000 HTTPS requests
    "per_gb_out": "0.085",  # USD per GB to viewers
}
COUNTERS = ("http_requests", "https_requests", "redirects", "forbidden", "cache_hits", "cache_misses", "bytes_out")
_HTTP, _HTTPS, _REDIRECTS, _FORBIDDEN, _HITS, _MISSES, _BYTES = range(7)
_CENT = Decimal("0.000001")


class UsageMeter:
    """Per-distribution counters kept in memory by the edge's event-loop thread."""

    def __init__(self):
        self._counts = {}

    def record(self, distribution_id, https, status, nbytes, cache=None):
        counts = self._counts.get(distribution_id)
        if counts is None:
            counts = self._counts[distribution_id] = [0, 0, 0, 0, 0, 0, 0]
        counts[_HTTPS if https else _HTTP] += 1
        if status == 301 or status == 307:  # 307: HTTP/1.1+ writes under Redirect HTTP to HTTPS
            counts[_REDIRECTS] += 1
        elif status == 403:
            counts[_FORBIDDEN] += 1
        if cache is True:
            counts[_HITS] += 1
        elif cache is False:
            counts[_MISSES] += 1
        counts[_BYTES] += nbytes

    def restore(self, counts):
        """Put back counts ``take`` returned that could not be recorded."""
        for distribution_id, values in counts.items():
            current = self._counts.setdefault(distribution_id, [0, 0, 0, 0, 0, 0, 0])
            for position, value in enumerate(values):
                current[position] += value

    def take(self):
        """The counts so far, and a fresh start: ``{distribution_id: [7 ints]}``."""
        counts, self._counts = self._counts, {}
        return counts


def hour_of(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def flush(counts, moment=None):
    """Add ``counts`` (from ``UsageMeter.take``) to the EdgeUsage rows of the current UTC hour."""
    from django.db import IntegrityError, transaction
    from django.db.models import F
    from django.utils import timezone

    if not counts:
        return
    hour = hour_of(moment or timezone.now())
    for distribution_id, values in counts.items():
        increments = {name: F(name) + value for name, value in zip(COUNTERS, values, strict=False) if value}
        if not increments:
            continue
        for _ in range(2):
            with transaction.atomic():
                updated = EdgeUsage.objects.filter(distribution_id=distribution_id, hour=hour).update(**increments)
                if updated:
                    break
                try:
                    with transaction.atomic():
                        EdgeUsage.objects.create(
                            distribution_id=distribution_id, hour=hour, **dict(zip(COUNTERS, values, strict=False))
                        )
                    break
                except IntegrityError:  # another edge created the row meanwhile: add to it
                    continue


def prices():
    """The price table: ``DEFAULT_PRICES`` overridden by the ``CONSOLE_EDGE_PRICES`` setting."""
    from django.conf import settings

    return {**DEFAULT_PRICES, **getattr(settings, "CONSOLE_EDGE_PRICES", {})}


def _money(value):
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def estimate_charges(counters, price_table=None):
    """Estimated charges in USD (Decimal) for ``counters`` (a dict with ``COUNTERS`` keys).

    ``redirect_requests`` is the part of the HTTP request charge spent on 301s: each of
    those viewers is billed again for the HTTPS request that follows.
    """
    table = {key: Decimal(str(value)) for key, value in {**DEFAULT_PRICES, **(price_table or {})}.items()}
    http = Decimal(counters.get("http_requests", 0)) * table["http_per_10000"] / 10000
    https = Decimal(counters.get("https_requests", 0)) * table["https_per_10000"] / 10000
    transfer = Decimal(counters.get("bytes_out", 0)) * table["per_gb_out"] / BYTES_PER_GB
    redirects = Decimal(counters.get("redirects", 0)) * table["http_per_10000"] / 10000
    return {
        "http_requests": _money(http),
        "https_requests": _money(https),
        "data_transfer_out": _money(transfer),
        "total": _money(http + https + transfer),
        "redirect_requests": _money(redirects),
        "prices": {key: str(value) for key, value in table.items()},
    }


def explain(counters):
    """Sentences for the Usage page, saying what the numbers mean."""
    lines = []
    redirects = counters.get("redirects", 0)
    if redirects:
        lines.append(
            f"{redirects} HTTP request(s) got a 301 to HTTPS: each is billed as an HTTP request (the request and "
            "the headers of the 301), and the HTTPS request the viewer sends next is billed again, with the object."
        )
    if counters.get("forbidden", 0):
        lines.append(f"{counters['forbidden']} request(s) got a 403; they are billed as requests too.")
    return lines


def summarize(distribution_id, rows, price_table=None):
    """Totals, charges and hourly rows for one distribution's EdgeUsage ``rows``."""
    totals = dict.fromkeys(COUNTERS, 0)
    hours = []
    for row in rows:
        values = {name: getattr(row, name) for name in COUNTERS}
        for name in COUNTERS:
            totals[name] += values[name]
        hours.append({"hour": row.hour, **values, "charges": estimate_charges(values, price_table)})
    return {
        "distribution_id": distribution_id,
        "counters": totals,
        "requests": totals["http_requests"] + totals["https_requests"],
        "charges": estimate_charges(totals, price_table),
        "explanation": explain(totals),
        "hours": hours,
    }


def usage_summary(distribution_id, since=None):
    """What the edge counted for ``distribution_id`` (optionally since a datetime), with charges."""
    rows = EdgeUsage.objects.for_distribution(distribution_id)
    if since is not None:
        rows = rows.filter(hour__gte=hour_of(since))
    return summarize(distribution_id, rows, prices())
