"""Alternate domain names and the SSL certificate on the General tab."""

import pytest
from django.urls import reverse

from distributions.sandbox.certificates import create_self_signed
from distributions.sandbox.models import SimulatedDistribution

pytestmark = pytest.mark.django_db


def url(distribution):
    return reverse("distributions:distribution_settings_edit", args=[distribution.id])


def begin(client, distribution):
    return client.get(url(distribution)).context["snapshot"].etag


def stored(distribution):
    return SimulatedDistribution.objects.get(pk=distribution.id)


class TestSettingsEdit:
    def test_a_covering_certificate_and_its_aliases_are_pushed(self, signed_in, static_site):
        certificate = create_self_signed(["www.example.org", "example.org"])
        response = signed_in.post(
            url(static_site),
            {
                "etag": begin(signed_in, static_site),
                "aliases": "www.example.org\nexample.org",
                "certificate": certificate.arn,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": "TLSv1.2_2021",
                "confirm": "on",
            },
        )
        assert response.status_code == 302
        config = stored(static_site).config
        assert config["Aliases"] == {"Quantity": 2, "Items": ["www.example.org", "example.org"]}
        assert config["ViewerCertificate"]["ACMCertificateArn"] == certificate.arn
        assert config["ViewerCertificate"]["SSLSupportMethod"] == "sni-only"

    def test_an_alias_the_certificate_does_not_cover_is_refused(self, signed_in, static_site):
        certificate = create_self_signed(["*.example.org"])
        before = stored(static_site).etag
        response = signed_in.post(
            url(static_site),
            {
                "etag": begin(signed_in, static_site),
                "aliases": "www.example.org\nexample.org",
                "certificate": certificate.arn,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": "TLSv1.2_2021",
                "confirm": "on",
            },
        )
        assert response.status_code == 400
        assert b"example.org" in response.content and b"Refused" in response.content
        assert stored(static_site).etag == before

    def test_aliases_with_the_default_certificate_are_refused(self, signed_in, static_site):
        response = signed_in.post(
            url(static_site),
            {
                "etag": begin(signed_in, static_site),
                "aliases": "www.example.org",
                "certificate": "",
                "confirm": "on",
            },
        )
        assert response.status_code == 400
        assert stored(static_site).config["Aliases"]["Quantity"] == 0

    @pytest.mark.parametrize(
        "field, value",
        [
            ("minimum_protocol_version", "TLSv9"),
            ("ssl_support_method", "magic"),
            ("certificate", "arn:aws:acm:us-east-1:1:certificate/unknown"),
        ],
    )
    def test_bad_choices_get_a_message(self, signed_in, static_site, field, value):
        certificate = create_self_signed(["www.example.org"])
        data = {
            "etag": begin(signed_in, static_site),
            "aliases": "www.example.org",
            "certificate": certificate.arn,
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
            "confirm": "on",
            field: value,
        }
        response = signed_in.post(url(static_site), data)
        assert response.status_code == 400
        assert b'class="alert alert-error"' in response.content

    def test_creating_a_self_signed_certificate_from_the_page(self, signed_in, static_site):
        response = signed_in.post(
            reverse("distributions:certificate_create"),
            {
                "kind": "self-signed",
                "domain_names": "www.example.net",
                "next": url(static_site),
            },
        )
        assert response.status_code == 302
        page = signed_in.get(url(static_site))
        assert b"www.example.net" in page.content

    def test_the_general_tab_lists_the_checklist_findings(self, signed_in, static_site):
        body = signed_in.get(reverse("distributions:distribution_general", args=[static_site.id])).content.decode()
        assert "allows-http" in body
        assert reverse("distributions:distribution_settings_edit", args=[static_site.id]) in body


@pytest.mark.parametrize("alias", ["not a host", "exa_mple.com", "*.*.example.com", "example", "-a.example.com"])
def test_a_malformed_alternate_domain_name_gets_a_message_and_changes_nothing(signed_in, static_site, alias):
    certificate = create_self_signed(["www.example.org"])
    before = stored(static_site).etag
    response = signed_in.post(
        url(static_site),
        {
            "etag": begin(signed_in, static_site),
            "aliases": alias,
            "certificate": certificate.arn,
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
            "confirm": "on",
        },
    )
    assert response.status_code == 400
    assert b"not a valid alternate domain name" in response.content
    assert stored(static_site).etag == before
