"""Forms parse every input of the edits they guard: NUL bytes, lengths and choices get one clear
message and a 400, and nothing changes (#10 item 4)."""

import pytest
from django.urls import reverse

from distributions.sandbox.models import SimulatedDistribution, SimulatedInvalidation

pytestmark = pytest.mark.django_db


def state(distribution_id):
    row = SimulatedDistribution.objects.get(pk=distribution_id)
    return row.etag, row.config


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("aliases", "www.example.com\x00", "NUL character"),
        ("aliases", "a" * 30000, "at most"),
        ("ssl_support_method", "tls-magic", "tls-magic is not an SSL support method"),
        ("minimum_protocol_version", "TLSv1.9", "TLSv1.9 is not a security policy"),
        ("certificate", "arn:\x00", "NUL character"),
    ],
)
def test_the_settings_edit_refuses_bad_input_with_one_message(signed_in, make_distribution, field, value, words):
    site = make_distribution()
    url = reverse("distributions:distribution_settings_edit", args=[site.id])
    etag = signed_in.get(url).context["snapshot"].etag
    before = state(site.id)
    response = signed_in.post(url, {"etag": etag, "confirm": "on", field: value})
    assert response.status_code == 400
    assert words in response.content.decode()  # a NUL is refused before any view (RefuseNulMiddleware)
    assert state(site.id) == before


@pytest.mark.parametrize(
    "paths, words",
    [
        ("/index.html\x00", "NUL character"),
        ("", "Enter at least one object path"),
        ("index.html", "/"),
    ],
)
def test_an_invalidation_refuses_bad_paths_with_one_message(signed_in, make_distribution, paths, words):
    site = make_distribution()
    url = reverse("distributions:distribution_invalidations", args=[site.id])
    response = signed_in.post(url, {"paths": paths})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not SimulatedInvalidation.objects.filter(distribution_id=site.id).exists()


def test_a_good_invalidation_still_goes(signed_in, make_distribution):
    site = make_distribution()
    url = reverse("distributions:distribution_invalidations", args=[site.id])
    assert signed_in.post(url, {"paths": "/index.html\n/images/*"}).status_code == 302


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("protocol_policy", "gopher-only", "gopher-only is not an origin protocol policy"),
        ("minimum_ssl_protocol", "TLSv9", "TLSv9 is not an origin SSL protocol"),
    ],
)
def test_the_origin_edit_refuses_bad_input_with_one_message(signed_in, make_distribution, field, value, words):
    from distributions.change_views import origin_edit_url

    site = make_distribution()
    url = origin_edit_url(site.id, "origin-main")
    etag = signed_in.get(url).context["snapshot"].etag
    before = state(site.id)
    response = signed_in.post(url, {"etag": etag, "origin": "origin-main", "confirm": "on", field: value})
    assert response.status_code == 400
    assert words in response.context["error"]
    assert state(site.id) == before


def test_change_precedence_refuses_a_precedence_out_of_range(signed_in, make_distribution):
    site = make_distribution([("/a/*", "allow-all"), ("/b/*", "allow-all")])
    url = reverse("distributions:behavior_order", args=[site.id])
    etag = signed_in.get(url).context["snapshot"].etag
    before = state(site.id)
    response = signed_in.post(url, {"etag": etag, "move": "to", "move_pattern": "/a/*", "move_to": "x" * 20})
    assert response.status_code == 400
    assert "Precedence: " in response.context["error"]
    assert state(site.id) == before


def test_test_a_request_refuses_an_unknown_http_version_and_a_huge_url(signed_in, make_distribution):
    url = reverse("distributions:request_test")
    site = make_distribution()
    bad = signed_in.get(url, {"method": "GET", "url": f"http://{site.domain_name}/", "http_version": "HTTP/9"})
    assert bad.status_code == 400
    assert "Choose one of HTTP/1.1" in bad.context["error"]
    huge = signed_in.get(url, {"url": f"http://{site.domain_name}/" + "a" * 9000})
    assert huge.status_code == 400
    assert huge.context["error"].startswith("URL: ")


def test_a_certificate_form_over_its_limits_says_so_and_creates_nothing(signed_in):
    from distributions.sandbox.models import SimulatedCertificate

    before = SimulatedCertificate.objects.count()
    response = signed_in.post(
        reverse("distributions:certificate_create"), {"kind": "self-signed", "domain_names": "a" * 30000}, follow=True
    )
    assert "Domain names: " in response.content.decode()
    assert SimulatedCertificate.objects.count() == before


LISTING_DEFAULTS = {"query": "", "sort": "modified", "order": "desc", "https": "", "size": 20, "page": 1}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, {}),
        ({"q": "  shop  "}, {"query": "shop"}),
        ({"sort": "etag"}, {}),  # not a sortable column
        ({"sort": "id", "order": "sideways"}, {"sort": "id", "order": "asc"}),
        ({"sort": "domain", "order": "desc"}, {"sort": "domain", "order": "desc"}),
        ({"order": "asc"}, {"order": "asc"}),
        ({"https": "maybe"}, {}),
        ({"https": "no"}, {"https": "no"}),
        ({"size": "7"}, {}),  # not offered
        ({"size": "x"}, {}),
        ({"size": "50"}, {"size": 50}),
        ({"page": "12"}, {"page": 12}),
        ({"page": "x"}, {}),
        ({"page": "0"}, {}),
        ({"page": "-3"}, {}),
        ({"page": str(10**8)}, {}),
        ({"page": "9" * 5000}, {}),  # past int()'s digit limit
        ({"after": "a" * 401}, {"after": ""}),
        ({"after": "abc", "before": "def"}, {"after": "abc", "before": ""}),
        ({"before": "def"}, {"before": "def"}),
    ],
)
def test_the_list_falls_back_to_the_default_for_a_parameter_it_did_not_write(params, expected):
    from django.http import QueryDict

    from distributions.list_views import Listing

    data = QueryDict(mutable=True)
    data.update(params)
    listing = Listing.from_query(data)
    assert listing == Listing(**{**LISTING_DEFAULTS, "after": "", "before": "", **expected})


def test_the_list_refuses_a_filter_over_its_limit_with_one_message(signed_in):
    response = signed_in.get(reverse("distributions:distribution_list"), {"q": "x" * 201})
    assert response.status_code == 400
    assert "Filter: Ensure this value has at most 200 characters" in response.content.decode()
    assert 'maxlength="200"' in signed_in.get(reverse("distributions:distribution_list")).content.decode()


PREVIEW_TICKS = {"confirm_path_patterns": False, "confirm_order": False, "confirm_origins": False}


@pytest.mark.parametrize(
    "params, chosen, policy, ticks",
    [
        ({"behavior": "/images/*", "policy": "https-only"}, ["/images/*"], "https-only", {}),
        ({"behavior": "/images/*", "policy": "allow-some"}, ["/images/*"], None, {}),  # previews no change
        ({"behavior": "/images/*", "policy": "x" * 5000}, ["/images/*"], None, {}),
        ({"behavior": ["/images/*", "/css/*", "/images/*"]}, ["/images/*", "/css/*"], None, {}),
        ({"behavior": "/images/*", "confirm_order": "on"}, ["/images/*"], None, {"confirm_order": True}),
        ({"behavior": "/images/*", "confirm_order": "false"}, ["/images/*"], None, {}),
    ],
)
def test_the_edit_behavior_preview_reads_its_get_leniently(signed_in, static_site, params, chosen, policy, ticks):
    url = reverse("distributions:behavior_edit", args=[static_site.id])
    response = signed_in.get(url, params)
    assert response.status_code == 200
    context = response.context
    assert context["chosen"] == chosen
    changed = context["after"] != context["snapshot"].config
    assert changed == (policy is not None)
    assert {name: context["form"].initial[name] for name in PREVIEW_TICKS} == {**PREVIEW_TICKS, **ticks}


@pytest.mark.parametrize("pattern", ["/nope/*", "/" + "a" * 300])
def test_the_edit_behavior_preview_of_a_pattern_the_distribution_lacks_is_a_404(signed_in, static_site, pattern):
    url = reverse("distributions:behavior_edit", args=[static_site.id])
    response = signed_in.get(url, {"behavior": ["/images/*", pattern]})
    assert response.status_code == 404
    assert f"There is no cache behavior with the path pattern {pattern} in this distribution." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "test_path, shown, error",
    [
        (None, "/images/", ""),  # not asked: an example path of the behavior
        ("", "", ""),
        ("images/a.png", "images/a.png", ""),
        ("/a b", "/a b", "Type a URL path"),
        ("/" + "a" * 3000, "/" + "a" * 3000, "at most 2,048 characters"),
    ],
)
def test_the_path_tester_reads_the_typed_path(signed_in, static_site, test_path, shown, error):
    url = reverse("distributions:behavior_edit", args=[static_site.id])
    params = {"behavior": "/images/*", **({} if test_path is None else {"test_path": test_path})}
    response = signed_in.get(url, params)
    assert response.status_code == 200
    assert response.context["test_path"].startswith(shown)
    assert error in (response.context["path_error"] or "")
