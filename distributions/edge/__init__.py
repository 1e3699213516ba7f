"""The simulated edge: what a viewer gets from the *deployed* config.

- ``decide_request``: the decision for ``METHOD url`` (``manage.py edge_request``).
- ``trace_request``: the same, explained step by step, as the running edge would
  answer it, TLS included (the console's "Test a request" page).
- ``invalidate``: drop paths from the running edge's cache.
- ``usage_summary``: what the edge counted for a distribution, with estimated charges.
- ``server.EdgeRunner``: the edge as a real HTTP/HTTPS server (``manage.py runedge``).

The decision itself lives in ``cloudfront/viewer.py``. This module is imported
while the app's models load (``distributions/models.py`` imports ``edge.models``),
so heavier imports stay inside the functions.
"""

from urllib.parse import urlsplit

from ..cloudfront.uri import canonical_path


class EdgeError(Exception):
    pass


def _deployed_row(host):
    from ..backends.base import BackendError
    from ..backends.simulator import SimulatorBackend

    try:
        row = SimulatorBackend().find_by_host(host)
    except BackendError as exc:
        raise EdgeError(exc.message) from None
    if row.deployed_config is None:
        raise EdgeError(f"Distribution {row.id} is still being deployed for the first time; try again shortly.")
    return row


def _check(method, url):
    from ..cloudfront import viewer

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EdgeError(f"{url!r} is not an http:// or https:// URL with a host name.")
    if method.upper() not in viewer.METHODS:
        raise EdgeError(f"{method!r} is not a method CloudFront serves ({', '.join(viewer.METHODS)}).")
    path = canonical_path(parts.path or "/")  # what the running edge decides on (issue #12)
    if path is None:
        raise EdgeError(f"{url!r} has a malformed path: the edge answers 400 (Bad request).")
    return parts._replace(path=path)


def decide_request(method, url, https_port=None):
    """The viewer's answer for ``METHOD url`` from the deployed simulated distribution."""
    from ..cloudfront import viewer

    parts = _check(method, url)
    row = _deployed_row(parts.hostname)
    decision = viewer.decide_url(row.deployed_config, method, parts.geturl(), https_port)
    return row, decision


def trace_request(method, url, http_version="HTTP/1.1", https_port=None):
    """What the running edge answers to ``METHOD url``, and why, step by step.

    Returns a dict: ``status`` (None when the TLS handshake fails), ``location``,
    ``outcome``, ``reason``, ``distribution_id``, ``path_pattern``, ``trace`` (each
    pattern tried in order with ``matched``; the winner last), ``decision`` (the
    ``viewer.Decision``, or None when no behavior was reached), ``tls`` (for https:
    the certificate the viewer would be shown and whether it covers the host),
    ``billing`` and ``notes``. Raises EdgeError for a URL or method that is not a
    request at all. Nothing is counted as usage.
    """
    from .certificates import covers, find_certificate
    from .index import EdgeDistribution

    parts = _check(method, url)
    method = method.upper()
    scheme = parts.scheme
    host = parts.hostname.lower()
    result = {
        "method": method,
        "url": url,
        "http_version": http_version,
        "scheme": scheme,
        "host": host,
        "path": parts.path or "/",
        "query": parts.query,
        "distribution_id": None,
        "status": 403,
        "location": None,
        "outcome": "forbidden",
        "path_pattern": None,
        "reason": "",
        "trace": [],
        "decision": None,
        "tls": None,
        "billing": None,
        "notes": [],
    }
    try:
        row = _deployed_row(host)
    except EdgeError as exc:
        result["reason"] = f"{exc} CloudFront answers 403 (Bad request) for a host no distribution serves."
        return result
    distribution = EdgeDistribution.build(row.id, row.domain_name, row.deployed_config)
    result["distribution_id"] = row.id
    if scheme == "https":
        if host == distribution.domain_name or distribution.certificate_ref is None:
            tls = {
                "certificate": "*.cloudfront.net (default CloudFront certificate)",
                "covers_host": covers(["*.cloudfront.net"], host),
            }
        else:
            certificate = find_certificate(distribution.certificate_ref)
            if certificate is None:
                tls = {
                    "certificate": distribution.certificate_ref,
                    "covers_host": False,
                    "error": "The sandbox holds no certificate with this ARN or ID, so the edge has none "
                    "to present for this alias: the TLS handshake fails.",
                }
            else:
                tls = {
                    "certificate": certificate.arn,
                    "domain_names": list(certificate.domain_names),
                    "source": certificate.source,
                    "covers_host": certificate.covers(host),
                }
        if not tls["covers_host"]:
            tls.setdefault(
                "error",
                f"The certificate does not cover {host}: the viewer's TLS handshake fails "
                "(wildcards cover one label only).",
            )
            tls["handshake"] = "fails"
            result.update(status=None, outcome="tls-handshake-failure", tls=tls, reason=tls["error"])
            return result
        tls["handshake"] = "ok"
        result["tls"] = tls
    if not distribution.enabled:
        result["reason"] = f"Distribution {row.id} is disabled: CloudFront answers 403 (Bad request)."
        return result
    decision = distribution.compiled.decide(method, scheme, parts.hostname, parts.path or "/", parts.query, https_port)
    result.update(
        status=decision.status,
        location=decision.location,
        outcome=decision.outcome,
        path_pattern=decision.path_pattern,
        reason=decision.reason,
        decision=decision,
        trace=[
            {"precedence": i, "path_pattern": pattern, "matched": i == decision.precedence}
            for i, pattern in enumerate(decision.tried)
        ],
    )
    protocol = scheme.upper()
    if decision.status == 301:
        result["billing"] = {
            "requests": 1,
            "protocol": protocol,
            "note": "Billed as an HTTP request (the request and the 301's headers); the HTTPS request the viewer "
            "sends next is billed again, with the object.",
        }
    else:
        result["billing"] = {"requests": 1, "protocol": protocol, "note": f"Billed as one {protocol} request."}
    if (
        decision.status == 403
        and scheme == "http"
        and decision.viewer_protocol_policy == "redirect-to-https"
        and http_version.upper() == "HTTP/1.1"
    ):
        result["notes"].append(
            "Newer AWS documentation describes a 307 for this request over HTTP/1.1; this console follows the "
            "reference page, which says 403."
        )
    return result


def invalidate(distribution_id, paths):
    """Drop ``paths`` ("/a.jpg", "/images/*", "/*") of one distribution from every running edge's
    cache (within about half a second); return the stored ``EdgeInvalidation``."""
    from .models import EdgeInvalidation

    paths = list(paths)
    if not paths:
        raise EdgeError("Name at least one path to invalidate.")
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/"):
            raise EdgeError(f"Invalidation paths start with /: {path!r}.")
        if "*" in path[:-1]:
            raise EdgeError(f"A * may only be the last character of an invalidation path: {path!r}.")
        if len(path) > 4000:
            raise EdgeError("An invalidation path has at most 4,000 characters.")
    return EdgeInvalidation.objects.create(distribution_id=distribution_id, paths=paths)


def usage_summary(distribution_id, since=None):
    """Counters (HTTP and HTTPS requests, redirects, 403s, cache hits and misses, bytes out) and
    estimated charges for one distribution; see ``edge.usage``."""
    from .usage import usage_summary as summary

    return summary(distribution_id, since)
