"""The simulated edge: what a viewer gets from the *deployed* config.

- ``decide_request``: the decision for ``METHOD url`` over an HTTP version (``manage.py edge_request``).
- ``trace_request``: the same, explained step by step, as the running edge would
  answer it, TLS included (the console's "Test a request" page).
- ``invalidate``: drop paths from the running edge's cache.
- ``usage_summary``: what the edge counted for a distribution, with estimated charges.
- ``server.EdgeRunner``: the edge as a real HTTP/HTTPS server (``manage.py runedge``).

The decision itself lives in ``cloudfront/viewer.py``.
"""

from urllib.parse import urlsplit

from ...backends.base import BackendError
from ...cloudfront import viewer
from ...cloudfront.certificates import covers
from ...cloudfront.uri import canonical_path
from ..certificates import find_certificate
from ..models import EdgeInvalidation
from ..simulator import SimulatorBackend, no_distribution_serves
from .index import EdgeDistribution
from .usage import usage_summary as _usage_summary


class EdgeError(Exception):
    pass


def _deployed_row(host, visible=None):
    try:
        row = SimulatorBackend().find_by_host(host)
        if visible is not None and not visible(row.id):
            raise no_distribution_serves(host)  # "not yours" is "does not exist", to the letter
    except BackendError as exc:
        raise EdgeError(exc.message) from None
    if row.deployed_config is None:
        raise EdgeError(f"Distribution {row.id} is still being deployed for the first time; try again shortly.")
    return row


def _check(method, url, http_version="1.1"):
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read ("http://host:99999/")
    except ValueError as exc:  # "http://[abc/": Invalid IPv6 URL
        raise EdgeError(f"{url!r} is not a valid URL ({exc}).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EdgeError(f"{url!r} is not an http:// or https:// URL with a host name.")
    if method.upper() not in viewer.METHODS:
        raise EdgeError(f"{method!r} is not a method CloudFront serves ({', '.join(viewer.METHODS)}).")
    try:
        viewer.http_version_number(http_version)
    except ValueError as exc:
        raise EdgeError(str(exc)) from None
    path = canonical_path(parts.path or "/")  # what the running edge decides on (issue #12)
    if path is None:
        raise EdgeError(f"{url!r} has a malformed path: the edge answers 400 (Bad request).")
    return parts._replace(path=path)


def disabled_reason(distribution_id):
    """Why a disabled distribution answers 403 to every request.

    A disabled distribution accepts no viewer requests; CloudFront answers its
    domain names as it answers a host no distribution serves: 403 with the
    "Bad request" error page (Developer Guide, "HTTP 403 status code": a host
    not associated with an enabled distribution gets 403). The page's exact
    wording for this case is not documented; the sandbox uses the same page.
    """
    return f"Distribution {distribution_id} is disabled: CloudFront answers 403 (Bad request) to every request."


def decide_request(method, url, https_port=None, http_version="1.1"):
    """The viewer's answer for ``METHOD url`` over ``http_version`` from the deployed simulated distribution.

    Wildcard aliases route as CloudFront routes them; a disabled distribution answers 403.
    """
    parts = _check(method, url, http_version)
    row = _deployed_row(parts.hostname)
    if not row.deployed_config.get("Enabled", True):
        decision = viewer.Decision(
            status=403,
            location=None,
            path_pattern=None,
            precedence=None,
            target_origin_id=None,
            viewer_protocol_policy=None,
            reason=disabled_reason(row.id),
            http_version=viewer.http_version_number(http_version),
        )
        return row, decision
    decision = viewer.decide_url(row.deployed_config, method, parts.geturl(), https_port, http_version)
    return row, decision


def trace_request(method, url, http_version="HTTP/1.1", https_port=None, visible=None):
    """What the running edge answers to ``METHOD url``, and why, step by step.

    Returns a dict: ``status`` (None when the TLS handshake fails), ``location``,
    ``outcome``, ``reason``, ``distribution_id``, ``path_pattern``, ``trace`` (each
    pattern tried in order with ``matched``; the winner last), ``decision`` (the
    ``viewer.Decision``, or None when no behavior was reached), ``tls`` (for https:
    the certificate the viewer would be shown and whether it covers the host),
    ``billing`` and ``notes``. Raises EdgeError for a URL or method that is not a
    request at all. Nothing is counted as usage. ``visible(distribution_id)``: whether
    the asker may see a distribution; one they may not is answered as an unknown host.
    """
    parts = _check(method, url, http_version)
    method = method.upper()
    scheme = parts.scheme
    host = parts.hostname.lower()
    result = _unanswered(method, url, http_version, parts)
    try:
        row = _deployed_row(host, visible)
    except EdgeError as exc:
        result["reason"] = f"{exc} CloudFront answers 403 (Bad request) for a host no distribution serves."
        return result
    distribution = EdgeDistribution.build(row.id, row.domain_name, row.deployed_config)
    result["distribution_id"] = row.id
    if scheme == "https":
        tls = _tls(distribution, host)
        if tls["handshake"] == "fails":
            result.update(status=None, outcome="tls-handshake-failure", tls=tls, reason=tls["error"])
            return result
        result["tls"] = tls
    if not distribution.enabled:
        result["reason"] = disabled_reason(row.id)
        return result
    decision = distribution.compiled.decide(
        method, scheme, parts.hostname, parts.path or "/", parts.query, https_port, http_version
    )
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
    result["billing"] = _billing(decision.status, scheme.upper())
    result["notes"] += _redirect_notes(decision, scheme, method)
    return result


def _unanswered(method, url, http_version, parts):
    """A trace before any distribution answered: 403, as for a host no distribution serves."""
    return {
        "method": method,
        "url": url,
        "http_version": http_version,
        "scheme": parts.scheme,
        "host": parts.hostname.lower(),
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


def _tls(distribution, host):
    """The certificate a viewer asking for ``host`` over HTTPS is shown, and whether the handshake succeeds."""
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
            f"The certificate does not cover {host}: the viewer's TLS handshake fails (wildcards cover one label only).",
        )
    tls["handshake"] = "ok" if tls["covers_host"] else "fails"
    return tls


def _billing(status, protocol):
    if status in (301, 307):
        return {
            "requests": 1,
            "protocol": protocol,
            "note": f"Billed as an HTTP request (the request and the {status}'s headers); the HTTPS request the "
            "viewer sends next is billed again, with the object.",
        }
    return {"requests": 1, "protocol": protocol, "note": f"Billed as one {protocol} request."}


def _redirect_notes(decision, scheme, method):
    """What the 2016 reference page said about this request, where CloudFront answers otherwise today."""
    if scheme != "http" or decision.viewer_protocol_policy != "redirect-to-https" or decision.status == 301:
        return []
    if decision.status == 307:
        return [
            f"The 2016 reference page says CloudFront answers HTTP {method} here with 403; CloudFront answers "
            "HTTP/1.1 and later with 307 today. The request, body included, has crossed the network "
            "unencrypted before the 307: behaviors that take writes are safer under HTTPS Only."
        ]
    return [f"HTTP/1.0 viewers still get the 403 the 2016 reference page describes for HTTP {method}."]


def invalidate(distribution_id, paths):
    """Drop ``paths`` ("/a.jpg", "/images/*", "/*") of one distribution from every running edge's
    cache (within about half a second); return the stored ``EdgeInvalidation``."""
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
    return _usage_summary(distribution_id, since)
