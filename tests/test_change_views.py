"""Change precedence and edit origins: the same review and push as Yes, Edit."""

import pytest
from django.urls import reverse

from distributions.change_views import origin_edit_url
from distributions.models import AuditEntry
from distributions.sandbox.models import SimulatedDistribution

from .factories import OriginFactory, quantity

pytestmark = pytest.mark.django_db


def order_url(distribution):
    return reverse("distributions:behavior_order", args=[distribution.id])


def origin_url(distribution, origin_id):
    return origin_edit_url(distribution.id, origin_id)


def stored(distribution):
    return SimulatedDistribution.objects.get(pk=distribution.id)


def begin(client, url):
    """Open the page as a person would, which fetches the config and its ETag."""
    return client.get(url).context["snapshot"].etag


@pytest.fixture
def catalog(make_distribution):
    return make_distribution(
        [("/product/*/reviews", "allow-all"), ("/product/*", "allow-all"), ("/img/*", "allow-all")]
    )


class TestChangePrecedence:
    def test_it_shows_the_current_order_with_move_buttons(self, signed_in, catalog):
        response = signed_in.get(order_url(catalog))
        assert response.status_code == 200
        assert response.context["order"] == ["/product/*/reviews", "/product/*", "/img/*"]
        assert b"Move up" in response.content and b"Move down" in response.content

    def test_moving_shows_the_paths_whose_behavior_changes_and_the_findings(self, signed_in, catalog):
        etag = signed_in.get(order_url(catalog)).context["snapshot"].etag
        response = signed_in.get(
            order_url(catalog),
            {"etag": etag, "order": ["/product/*/reviews", "/product/*", "/img/*"], "move": "down:/product/*/reviews"},
        )
        assert response.context["order"] == ["/product/*", "/product/*/reviews", "/img/*"]
        moved = response.context["review"].moved
        assert ("/product/example/reviews", "/product/*/reviews", "/product/*") in moved
        assert [f.code for f in response.context["review"].added] == ["shadowed-behavior"]

    def test_save_changes_pushes_one_update_in_the_new_order(self, signed_in, catalog):
        before = stored(catalog)
        response = signed_in.post(
            order_url(catalog),
            {
                "etag": begin(signed_in, order_url(catalog)),
                "order": ["/img/*", "/product/*/reviews", "/product/*"],
                "confirm": "on",
            },
        )
        assert response.status_code == 302
        after = stored(catalog)
        assert [b["PathPattern"] for b in after.config["CacheBehaviors"]["Items"]] == [
            "/img/*",
            "/product/*/reviews",
            "/product/*",
        ]
        assert after.etag != before.etag
        assert AuditEntry.objects.get(distribution_id=catalog.id).action == "reorder"

    def test_an_error_it_adds_must_be_acknowledged(self, signed_in, catalog):
        etag = begin(signed_in, order_url(catalog))
        data = {"etag": etag, "order": ["/product/*", "/product/*/reviews", "/img/*"], "confirm": "on"}
        response = signed_in.post(order_url(catalog), data)
        assert response.status_code == 400
        assert b"acknowledge each one" in response.content
        assert stored(catalog).etag == etag
        ids = ["shadowed-behavior|/product/*/reviews||"]
        response = signed_in.post(order_url(catalog), {**data, "acknowledge": ids})
        assert response.status_code == 302

    @pytest.mark.parametrize(
        "data, message",
        [
            ({"order": ["/img/*", "/product/*"]}, b"every cache behavior except the default exactly once"),
            ({"order": ["/img/*", "/product/*/reviews", "/nope/*"]}, b"every cache behavior"),
            ({"order": ["/product/*/reviews", "/product/*", "/img/*"]}, b"The order is unchanged"),
            (
                {"order": ["/img/*", "/product/*/reviews", "/product/*"], "confirm": ""},
                b"Confirm that the cache behaviors",
            ),
        ],
    )
    def test_bad_input_changes_nothing(self, signed_in, catalog, data, message):
        before = stored(catalog)
        payload = {"etag": begin(signed_in, order_url(catalog)), "confirm": "on", **data}
        payload = {k: v for k, v in payload.items() if v != ""}
        response = signed_in.post(order_url(catalog), payload)
        assert response.status_code == 400
        assert message in response.content
        assert stored(catalog).etag == before.etag

    def test_a_stale_etag_is_a_conflict(self, signed_in, catalog, simulator):
        etag = begin(signed_in, order_url(catalog))
        config, current = simulator.get_distribution_config(catalog.id)
        config["Comment"] = "changed meanwhile"
        simulator.update_distribution(catalog.id, config, current)
        response = signed_in.post(
            order_url(catalog), {"etag": etag, "order": ["/img/*", "/product/*/reviews", "/product/*"], "confirm": "on"}
        )
        assert response.status_code == 409
        assert b"changed while you were editing" in response.content
        assert stored(catalog).config["Comment"] == "changed meanwhile"


class TestEditOrigin:
    @pytest.fixture
    def site(self, make_distribution):
        legacy = OriginFactory(Id="legacy")
        legacy["CustomOriginConfig"]["OriginProtocolPolicy"] = "http-only"
        legacy["CustomOriginConfig"]["OriginSslProtocols"] = quantity(["TLSv1", "TLSv1.1", "TLSv1.2"])
        return make_distribution([("/blog/*", "redirect-to-https")], origins=[OriginFactory(Id="main"), legacy])

    def test_it_shows_the_origin_and_the_findings_it_would_resolve(self, signed_in, site):
        response = signed_in.get(
            origin_url(site, "legacy"),
            {"origin": "legacy", "protocol_policy": "https-only", "minimum_ssl_protocol": "TLSv1.2"},
        )
        assert response.status_code == 200
        # An http-only origin uses no TLS, so its old protocols were no finding; HTTPS with TLSv1.2 only adds none.
        assert "weak-origin-tls" not in {f.code for f in response.context["review"].added}
        weak = signed_in.get(
            origin_url(site, "legacy"),
            {"origin": "legacy", "protocol_policy": "https-only", "minimum_ssl_protocol": "TLSv1"},
        )
        assert "weak-origin-tls" in {f.code for f in weak.context["review"].added}

    def test_http_to_https_pushes_and_offers_an_invalidation(self, signed_in, site):
        response = signed_in.post(
            origin_url(site, "legacy"),
            {
                "etag": begin(signed_in, origin_url(site, "legacy")),
                "protocol_policy": "https-only",
                "minimum_ssl_protocol": "TLSv1.2",
                "confirm": "on",
            },
        )
        assert response.status_code == 302
        assert response.url.endswith("?paths=/*")
        origin = stored(site).config["Origins"]["Items"][1]["CustomOriginConfig"]
        assert origin["OriginProtocolPolicy"] == "https-only"
        assert origin["OriginSslProtocols"] == {"Quantity": 1, "Items": ["TLSv1.2"]}

    @pytest.mark.parametrize(
        "data, status",
        [
            ({"protocol_policy": "ftp-only"}, 400),
            ({"minimum_ssl_protocol": "TLSv9"}, 400),
            ({"confirm": ""}, 400),
        ],
    )
    def test_bad_input_changes_nothing(self, signed_in, site, data, status):
        before = stored(site)
        payload = {
            "etag": begin(signed_in, origin_url(site, "legacy")),
            "protocol_policy": "https-only",
            "minimum_ssl_protocol": "TLSv1.2",
            "confirm": "on",
            **data,
        }
        payload = {k: v for k, v in payload.items() if v != ""}
        assert signed_in.post(origin_url(site, "legacy"), payload).status_code == status
        assert stored(site).etag == before.etag

    def test_an_unknown_origin_is_a_404(self, signed_in, site):
        assert signed_in.get(origin_url(site, "nope")).status_code == 404

    def test_an_s3_origin_has_no_protocol_policy_to_edit(self, signed_in, make_distribution):
        s3 = OriginFactory(Id="bucket")
        del s3["CustomOriginConfig"]
        s3["S3OriginConfig"] = {"OriginAccessIdentity": ""}
        site = make_distribution(origins=[s3])
        response = signed_in.get(origin_url(site, "bucket"))
        assert response.status_code == 400
        assert b"S3 origin" in response.content


ODD_ORIGIN_IDS = ["S3-bucket/images", "my origin", "origine-é-日本", "a/b/edit", "50%?#&=+"]


class TestAnyOriginIdCloudFrontAllows:
    """Origin IDs are free text for CloudFront: "/", spaces, Unicode, URL syntax. Every page holds them."""

    @pytest.fixture(params=ODD_ORIGIN_IDS)
    def odd(self, request, make_distribution):
        origin = OriginFactory(Id=request.param, DomainName="odd.example.com")
        origin["CustomOriginConfig"]["OriginProtocolPolicy"] = "http-only"
        return request.param, make_distribution([("/x/*", "allow-all")], origins=[origin])

    def test_the_origins_tab_links_to_its_edit_page(self, signed_in, odd):
        origin_id, site = odd
        response = signed_in.get(reverse("distributions:distribution_origins", args=[site.id]))
        assert response.status_code == 200
        assert origin_edit_url(site.id, origin_id).replace("&", "&amp;").encode() in response.content
        page = signed_in.get(origin_edit_url(site.id, origin_id))
        assert page.status_code == 200
        assert page.context["origin"]["Id"] == origin_id

    def test_review_and_push_reach_the_same_origin(self, signed_in, odd):
        origin_id, site = odd
        review = signed_in.get(
            origin_edit_url(site.id, origin_id),
            {"origin": origin_id, "protocol_policy": "https-only", "minimum_ssl_protocol": "TLSv1.2"},
        )
        assert review.status_code == 200 and review.context["policy"] == "https-only"
        response = signed_in.post(
            origin_edit_url(site.id, origin_id),
            {
                "etag": begin(signed_in, origin_edit_url(site.id, origin_id)),
                "origin": origin_id,
                "protocol_policy": "https-only",
                "minimum_ssl_protocol": "TLSv1.2",
                "confirm": "on",
            },
        )
        assert response.status_code == 302
        origin = stored(site).config["Origins"]["Items"][0]
        assert (origin["Id"], origin["CustomOriginConfig"]["OriginProtocolPolicy"]) == (origin_id, "https-only")

    def test_the_old_address_redirects_keeping_the_method(self, signed_in, odd):
        origin_id, site = odd
        old = reverse("distributions:origin_edit_old_address", args=[site.id, origin_id])
        response = signed_in.get(old)
        assert response.status_code == 308
        assert response.url == origin_edit_url(site.id, origin_id)
        assert signed_in.get(response.url).status_code == 200
