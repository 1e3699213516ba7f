"""Input a user can type that no field can hold: a 400 page, never a 500 (SQLite and PostgreSQL)."""

import pytest
from django.urls import reverse

from distributions.models import AuditEntry

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.mark.parametrize(
    "url, params",
    [
        ("distributions:activity", {"user": NUL}),
        ("distributions:activity", {"distribution": NUL}),
        ("distributions:activity", {"since": NUL}),
        ("distributions:activity", {"outcome": NUL}),
        ("distributions:activity", {"user": NUL, "format": "csv"}),
        ("distributions:activity", {NUL: "x"}),
        ("distributions:distribution_list", {"q": NUL}),
        ("fleet:posture", {"q": NUL}),
        ("distributions:request_test", {"url": f"http://{NUL}.cloudfront.net/"}),
    ],
)
def test_a_nul_in_a_query_is_a_400_page(signed_in, url, params):
    response = signed_in.get(reverse(url), params)
    assert response.status_code == 400
    assert b"NUL character" in response.content


def test_a_nul_in_a_form_is_a_400_page_and_changes_nothing(signed_in, static_site):
    before = AuditEntry.objects.count()
    response = signed_in.post(
        reverse("distributions:distribution_invalidations", args=[static_site.id]), {"paths": f"/{NUL}"}
    )
    assert response.status_code == 400
    assert AuditEntry.objects.count() == before


def test_signing_in_with_a_nul_is_a_400_page(client, user):
    response = client.post(reverse("login"), {"username": NUL, "password": "x"})
    assert response.status_code == 400


def test_an_ordinary_filter_still_works(signed_in):
    assert signed_in.get(reverse("distributions:activity"), {"user": "alice"}).status_code == 200


@pytest.mark.parametrize(
    "method, path", [("post", "/sandbox-api/keys/a%00b/revoke/"), ("get", "/distributions/E%00X/")]
)
def test_a_nul_in_a_url_path_is_a_400_page(signed_in, method, path):
    """Found by the fuzz suite: a path segment any string matches (an access key ID) reached PostgreSQL."""
    response = getattr(signed_in, method)(path)
    assert response.status_code == 400
    assert b"NUL character" in response.content
