"""Every page and action under hostile parameters, as an Admin and as a read-only Viewer: never a 500 nor a
traceback, and a refusal (a 4xx, or the form shown again) changes nothing.

``ROUTES`` names every URL pattern of the console with the GET and POST parameters its
view reads (walked from distributions/urls.py, fleet/urls.py and the views); a new URL
without an entry fails ``test_every_url_is_fuzzed``. Each parameter gets a plausible value
(the distribution's real ETag, path patterns and origin IDs, the enums' values) or a
hostile one, so that examples reach past the first check.
"""

from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import given
from hypothesis import strategies as st

from distributions.cloudfront import service_model
from distributions.models import AuditOutcome

from .conftest import rolled_back, state
from .profiles import fuzz
from .strategies import SPECIAL_STRINGS, any_path_patterns, dns_names, hostile_text, urls

pytestmark = pytest.mark.django_db


def _enums(*names):
    return st.sampled_from([value for name in names for value in service_model.enum(name)])


def _digits():
    return st.integers(-5, 10**25).map(str)


# Plausible values of each parameter, from the world (w); every parameter also gets hostile text.
PLAUSIBLE = {
    "etag": lambda w: st.sampled_from(sorted(w.etags.values())),
    "behavior": lambda w: st.sampled_from(w.patterns),
    "move_pattern": lambda w: st.sampled_from(w.patterns),
    "test_path": lambda w: any_path_patterns(),
    "policy": lambda w: _enums("ViewerProtocolPolicy"),
    "protocol_policy": lambda w: _enums("OriginProtocolPolicy"),
    "minimum_ssl_protocol": lambda w: _enums("SslProtocol"),
    "origin": lambda w: st.sampled_from(w.origin_ids),
    "confirm": lambda w: st.just("on"),
    "confirm_path_patterns": lambda w: st.just("on"),
    "confirm_order": lambda w: st.just("on"),
    "confirm_origins": lambda w: st.just("on"),
    "acknowledge": lambda w: st.sampled_from(["shadowed", "unreachable", "E1|x"]),
    "move": lambda w: st.sampled_from(["to", "up:", "down:"]).flatmap(
        lambda d: st.sampled_from(w.patterns).map(lambda p: d + p) if d != "to" else st.just(d)
    ),
    "move_to": lambda w: _digits(),
    "paths": lambda w: st.sampled_from(["/*", "/index.html", "/a b/ü.png\n/images/*", "index.html"]),
    "aliases": lambda w: st.lists(dns_names() | st.just("www.example.org"), max_size=3).map("\n".join),
    "certificate": lambda w: st.sampled_from([w.certificate.arn, w.certificate.iam_certificate_id]),
    "ssl_support_method": lambda w: _enums("SSLSupportMethod"),
    "minimum_protocol_version": lambda w: _enums("MinimumProtocolVersion"),
    "q": lambda w: st.sampled_from([w.own.id, w.own.id[:3].lower(), "site"]),
    "sort": lambda w: st.sampled_from(["id", "description", "domain", "aliases", "status", "state", "modified"]),
    "order": lambda w: st.sampled_from(["asc", "desc"]),
    "size": lambda w: st.sampled_from(["10", "20", "50", "100"]),
    "page": lambda w: _digits(),
    "after": lambda w: st.sampled_from(["WyJ4IiwgIkUxIl0", "bnVsbA", "W251bGwsIG51bGxd"]),
    "before": lambda w: st.sampled_from(["WyJ4IiwgIkUxIl0", "W3RydWUsICJFMSJd"]),
    "https": lambda w: st.sampled_from(["yes", "no"]),
    "user": lambda w: st.sampled_from(["fuzz-admin", "fuzz"]),
    "distribution": lambda w: st.sampled_from([w.own.id, w.other.id]),
    "outcome": lambda w: st.sampled_from(AuditOutcome.values),
    "since": lambda w: st.dates().map(str),
    "format": lambda w: st.sampled_from(["csv", "json"]),
    "attempt": lambda w: _digits(),
    "method": lambda w: st.sampled_from(["GET", "post", "OPTIONS", "PURGE"]),
    "url": lambda w: urls([w.own.domain_name, w.other.domain_name]),
    "http_version": lambda w: st.sampled_from(["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"]),
    "decision": lambda w: st.sampled_from(["approve", "reject"]),
    "reason": lambda w: hostile_text(),
    "next": lambda w: st.sampled_from([f"/distributions/{w.own.id}/", "//evil.example/", "/distributions/../admin/"]),
    "kind": lambda w: st.sampled_from(["import", "create"]),
    "certificate_pem": lambda w: st.sampled_from([w.certificate.certificate_pem, "-----BEGIN CERTIFICATE-----"]),
    "private_key_pem": lambda w: st.sampled_from([w.certificate.private_key_pem, ""]),
    "chain_pem": lambda w: st.sampled_from([w.certificate.certificate_pem, ""]),
    "domain_names": lambda w: st.lists(dns_names() | st.sampled_from(["*", "*.com", "*.co.uk"]), max_size=3).map(
        " ".join
    ),
    "team": lambda w: st.sampled_from(["red", "blue", "nobody"]),
    "code": lambda w: st.sampled_from(["allows-http", "certificate", "x"]),
    "exclude": lambda w: st.lists(any_path_patterns(), max_size=3).map("\n".join),
    "scope": lambda w: st.sampled_from(["selected", "all"]),
    "error": lambda w: st.sampled_from(["confirm", "acknowledge"]),
    "username": lambda w: st.sampled_from(["fuzz-admin", "admin"]),
    "password": lambda w: st.just("correct horse battery staple"),
}
# Parameters that a form sends several times (checkboxes, the precedence list).
MULTIPLE = {"behavior", "acknowledge", "order"}
REVIEWED = ("etag", "confirm", "acknowledge")


@dataclass(frozen=True)
class Route:
    """A URL pattern: the methods it answers, its view's parameters, its path arguments."""

    methods: tuple = ("GET",)
    params: tuple = ()
    args: tuple = ()  # names among "distribution", "entry", "request", "plan", "origin_path", "key"
    skip_roles: tuple = field(default=())


# Every URL pattern of the console (namespace:name) and what its view reads.
ROUTES = {
    "home": Route(),
    "login": Route(("GET", "POST"), ("username", "password", "next")),
    "logout": Route(("POST",)),
    "healthz": Route(),
    "distributions:distribution_list": Route(params=("q", "sort", "order", "https", "size", "after", "before", "page")),
    "distributions:distribution_refresh": Route(("POST",)),
    "distributions:request_test": Route(params=("method", "url", "http_version")),
    "distributions:certificate_create": Route(
        ("POST",), ("next", "kind", "certificate_pem", "private_key_pem", "chain_pem", "domain_names")
    ),
    "distributions:sandbox_reset": Route(("GET", "POST")),
    "distributions:activity": Route(params=("user", "distribution", "since", "outcome", "format", "page")),
    "distributions:distribution_general": Route(args=("distribution",)),
    "distributions:distribution_origins": Route(args=("distribution",)),
    "distributions:distribution_behaviors": Route(params=("behavior",), args=("distribution",)),
    "distributions:behavior_edit": Route(
        ("GET", "POST"),
        (
            "etag",
            "behavior",
            "policy",
            "test_path",
            "acknowledge",
            "confirm_path_patterns",
            "confirm_order",
            "confirm_origins",
        ),
        ("distribution",),
    ),  # fmt: skip
    "distributions:behavior_order": Route(
        ("GET", "POST"), (*REVIEWED, "order", "move", "move_pattern", "move_to"), ("distribution",)
    ),
    "distributions:origin_edit": Route(
        ("GET", "POST"), (*REVIEWED, "origin", "protocol_policy", "minimum_ssl_protocol"), ("distribution",)
    ),
    "distributions:origin_edit_old_address": Route(
        ("GET", "POST"), (*REVIEWED, "protocol_policy"), ("distribution", "origin_path")
    ),
    "distributions:distribution_invalidations": Route(("GET", "POST"), ("paths", "attempt"), ("distribution",)),
    "distributions:distribution_settings_edit": Route(
        ("GET", "POST"),
        (*REVIEWED, "aliases", "certificate", "ssl_support_method", "minimum_protocol_version"),
        ("distribution",),
    ),
    "distributions:distribution_usage": Route(args=("distribution",)),
    "distributions:distribution_status": Route(params=("attempt",), args=("distribution",)),
    "distributions:distribution_history": Route(params=("page",), args=("distribution",)),
    "distributions:history_restore": Route(("GET", "POST"), REVIEWED, ("distribution", "entry")),
    "distributions:history_revert": Route(("GET", "POST"), REVIEWED, ("distribution", "entry")),
    "distributions:change_request_list": Route(),
    "distributions:change_request_detail": Route(args=("request",)),
    "distributions:change_request_decide": Route(("POST",), ("decision", "reason"), ("request",)),
    "fleet:posture": Route(params=("team", "format", "code", "q")),
    "fleet:plan_create": Route(("POST",), ("policy", "exclude", "scope", "behavior", "team")),
    "fleet:plan_detail": Route(params=("error",), args=("plan",)),
    "fleet:plan_apply": Route(("POST",), ("confirm", "acknowledge"), ("plan",)),
    "sandbox_api:key_list": Route(),
    "sandbox_api:key_create": Route(("POST",)),
    "sandbox_api:key_revoke": Route(("POST",), args=("key",)),
}
# The admin site is Django's. The sandbox API's CloudFront endpoint (SigV4, XML bodies) has its own property
# in test_api.py; tests/sandbox_api/ covers its refusals one by one.
NOT_HERE = ("admin:", "sandbox_api:root", "sandbox_api:endpoint")


def _names(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _names(entry, prefix + (f"{entry.namespace}:" if entry.namespace else ""))
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def test_every_url_is_fuzzed():
    names = {name for name in _names(get_resolver()) if not name.startswith(NOT_HERE)}
    assert names == set(ROUTES)


def _path_arg(name, w):
    if name == "distribution":
        return st.sampled_from([w.own.id, w.own.id, w.other.id, "E0000000000000", "activity", "x" * 32])
    if name in ("entry", "request", "plan"):
        known = {"entry": w.entry.pk, "request": w.request.pk, "plan": w.plan.pk}[name]
        return st.sampled_from([known, known, 0, 2**31, 2**63, 10**30])
    if name == "origin_path":
        return st.sampled_from(w.origin_ids) | hostile_text(20).filter(lambda s: s.strip("/") and "\n" not in s)
    return st.sampled_from(["AKIA0000000000000000", "x"]) | hostile_text(20).filter(lambda s: s and "/" not in s)


def _value(name, w, hostile=True):
    value = PLAUSIBLE[name](w) | hostile_text() if hostile else PLAUSIBLE[name](w)
    return st.lists(value, min_size=0 if hostile else 1, max_size=4) if name in MULTIPLE else value


@st.composite
def requests(draw, route_name, w):
    """(method, path, params) for a route: plausible and hostile parameters, and sometimes a stray one."""
    route = ROUTES[route_name]
    method = draw(st.sampled_from(route.methods))
    args = [draw(_path_arg(name, w)) for name in route.args]
    path = reverse(route_name, args=args) if args else reverse(route_name)
    if draw(st.booleans()):
        # Everything a filled-in form sends, each value plausible: the examples that get past the checks.
        params = draw(st.fixed_dictionaries({name: _value(name, w, hostile=False) for name in route.params}))
        if "etag" in params and args and args[0] in w.etags:
            params["etag"] = w.etags[args[0]]  # the version this distribution's page showed
    else:
        params = draw(st.fixed_dictionaries({}, optional={name: _value(name, w) for name in route.params}))
    if draw(st.integers(0, 4)) == 0:
        params[draw(st.sampled_from(SPECIAL_STRINGS[:20]))] = draw(hostile_text())
    return method, path, params


def _send(client, method, path, params, htmx):
    headers = {"HX-Request": "true", "HX-Target": "main"} if htmx else {}
    if method == "GET":
        return client.get(path, params, headers=headers)
    return client.post(path, params, headers=headers)


def changed(response, method):
    """Whether the response says something may have changed: a redirect after a POST (or htmx's)."""
    return method == "POST" and (300 <= response.status_code < 400 or "HX-Redirect" in response.headers)


@pytest.mark.parametrize("role", ["admin", "reader"])
@pytest.mark.parametrize("route_name", sorted(ROUTES))
def test_no_view_answers_500_and_a_refusal_changes_nothing(client, world, role, route_name):
    client.force_login(world.users[role])

    @fuzz(examples=6)
    @given(request=requests(route_name, world), htmx=st.booleans())
    def property(request, htmx):
        method, path, params = request
        with rolled_back():
            before = state()
            response = _send(client, method, path, params, htmx)
            assert response.status_code < 500, response.content[:2000]
            assert b"Traceback" not in response.content
            if not changed(response, method):
                assert state() == before, f"{method} {path} {params!r} answered {response.status_code}"

    property()


def test_a_read_only_user_changes_nothing_whatever_they_post(client, world):
    """The Viewer's POSTs are all refusals, or redirects that must not have changed a distribution."""
    client.force_login(world.users["reader"])
    posting = sorted(name for name, route in ROUTES.items() if "POST" in route.methods and name != "logout")

    @fuzz(examples=15)
    @given(data=st.data())
    def property(data):
        name = data.draw(st.sampled_from(posting))
        _, path, params = data.draw(requests(name, world))
        with rolled_back():
            before = state()["distributions"]
            response = _send(client, "POST", path, params, htmx=False)
            assert response.status_code < 500
            assert state()["distributions"] == before, f"POST {path} {params!r}"

    property()


def test_origin_ids_of_every_shape_reach_their_edit_page(client, world):
    """An origin ID with "/", spaces or any Unicode: its edit page opens from the query string and the old
    address redirects to it."""
    client.force_login(world.users["admin"])
    for origin_id in world.origin_ids[:-1]:  # the last is the S3 origin, with nothing to edit
        page = client.get(reverse("distributions:origin_edit", args=[world.own.id]), {"origin": origin_id})
        assert page.status_code == 200, origin_id
        old = client.get(f"/distributions/{world.own.id}/origins/{quote(origin_id, safe='')}/edit/")
        assert old.status_code == 308
