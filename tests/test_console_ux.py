"""Issue #14 in views: no dead ends, console words, approval up front, Reset's confirmation, the 404 page."""

import pytest
from django.contrib.auth.models import Group
from django.template import Context, Template
from django.urls import reverse

from distributions.models import ApprovalRule, Team, TeamDistribution
from distributions.sandbox.models import SimulatedDistribution

from .factories import UserFactory

pytestmark = pytest.mark.django_db

CONFIRMATIONS = {"confirm_path_patterns": "on", "confirm_order": "on", "confirm_origins": "on"}


def edit_url(distribution):
    return reverse("distributions:behavior_edit", args=[distribution.id])


def begin(client, distribution, *patterns):
    response = client.get(edit_url(distribution), {"behavior": list(patterns)})
    assert response.status_code == 200
    return response.context["snapshot"].etag


class TestEditWithoutABehavior:
    def test_unticking_the_last_behavior_swaps_a_message_into_the_path_tester(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "/images/*")
        response = signed_in.get(
            edit_url(static_site),
            {"etag": etag, "policy": "https-only"},
            headers={"HX-Request": "true", "HX-Target": "path-tester"},
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="path-tester"')
        assert "Choose at least one cache behavior" in body
        assert "Something is not right" not in body

    def test_without_javascript_the_whole_form_comes_back_with_the_message(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "/images/*")
        response = signed_in.get(edit_url(static_site), {"etag": etag, "test_path": "/images/a.jpg"})
        assert response.status_code == 200
        assert b"Choose at least one cache behavior" in response.content
        assert b"Yes, Edit" in response.content


class TestErrorSummary:
    def test_a_failed_yes_edit_lists_each_error_with_a_link_and_takes_focus(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "/images/*")
        response = signed_in.post(
            edit_url(static_site), {"etag": etag, "behavior": "/images/*", "policy": "https-only"}
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert 'id="error-summary"' in body and "data-focus-on-load" in body
        for anchor in ("confirm_path_patterns", "confirm_order", "confirm_origins"):
            assert f'href="#{anchor}"' in body
            assert f'id="{anchor}"' in body
        assert "Fix 3 problems" in body


class TestNothingToSave:
    def test_a_yes_edit_that_changes_nothing_pushes_nothing(self, signed_in, static_site):
        before = SimulatedDistribution.objects.get(pk=static_site.id).etag
        etag = begin(signed_in, static_site, "/images/*")
        response = signed_in.post(
            edit_url(static_site), {"etag": etag, "behavior": "/images/*", "policy": "allow-all", **CONFIRMATIONS}
        )
        assert response.status_code == 200
        assert b"No changes to save" in response.content
        assert SimulatedDistribution.objects.get(pk=static_site.id).etag == before


@pytest.fixture
def red_team(static_site):
    red = Team.objects.create(name="red")
    TeamDistribution.objects.create(team=red, distribution_id=static_site.id)
    olga = UserFactory(username="olga")
    olga.groups.set(Group.objects.filter(name="Operator"))
    abe = UserFactory(username="abe")
    abe.groups.set(Group.objects.filter(name="Approver"))
    red.members.add(olga, abe)
    return olga


class TestApprovalUpFront:
    def test_an_operator_needing_approval_sees_submit_for_approval_and_who_approves(
        self, client, static_site, red_team
    ):
        ApprovalRule.objects.create(distribution_id=ApprovalRule.FLEET, required=True)
        client.force_login(red_team)
        body = client.get(edit_url(static_site), {"behavior": "/images/*"}).content.decode()
        assert "Submit for approval" in body and "Yes, Edit" not in body
        assert "abe" in body

    def test_without_an_approval_rule_the_button_reads_yes_edit(self, client, static_site, red_team):
        client.force_login(red_team)
        body = client.get(edit_url(static_site), {"behavior": "/images/*"}).content.decode()
        assert "Yes, Edit" in body and "Submit for approval" not in body


class TestChangePrecedenceAcknowledge:
    def test_a_move_that_adds_an_error_shows_an_acknowledge_box(self, signed_in, make_distribution):
        site = make_distribution([("/images/special/*", "allow-all"), ("/images/*", "allow-all")])
        url = reverse("distributions:behavior_order", args=[site.id])
        etag = signed_in.get(url).context["snapshot"].etag
        response = signed_in.get(url, {"etag": etag, "move": "up:/images/*"})
        body = response.content.decode()
        assert "shadowed-behavior" in body
        assert 'name="acknowledge"' in body


class TestResetSandbox:
    def test_get_asks_for_confirmation_and_changes_nothing(self, signed_in):
        response = signed_in.get(reverse("distributions:sandbox_reset"))
        assert response.status_code == 200
        assert b"Reset sandbox?" in response.content
        assert b'method="post"' in response.content

    def test_operators_do_not_see_the_button_and_are_refused(self, client, static_site, red_team):
        client.force_login(red_team)
        assert b"Reset sandbox" not in client.get(reverse("distributions:distribution_list")).content
        assert client.get(reverse("distributions:sandbox_reset")).status_code == 403

    def test_admins_see_a_link_to_the_confirmation(self, signed_in):
        body = signed_in.get(reverse("distributions:distribution_list")).content.decode()
        assert f'href="{reverse("distributions:sandbox_reset")}"' in body


class TestNotFound:
    def test_a_bad_distribution_id_shows_the_console_404_with_debug_on(self, signed_in, settings):
        settings.DEBUG = True
        response = signed_in.get(reverse("distributions:distribution_general", args=["ENOSUCH"]))
        assert response.status_code == 404
        assert b"Back to Distributions" in response.content
        assert b"URLconf" not in response.content

    def test_an_unknown_url_shows_the_console_404_with_debug_on(self, signed_in, settings):
        settings.DEBUG = True
        response = signed_in.get("/distributions/E1/no-such-tab/")
        assert response.status_code == 404
        assert b"Back to Distributions" in response.content

    def test_activity_has_a_trailing_slash_and_the_old_url_redirects(self, signed_in):
        assert reverse("distributions:activity").endswith("/activity/")
        response = signed_in.get("/distributions/activity?outcome=pushed")
        assert response.status_code == 301
        assert response.url == "/distributions/activity/?outcome=pushed"


class TestWords:
    @pytest.mark.parametrize(
        "value, label",
        [
            ("allow-all", "HTTP and HTTPS"),
            ("redirect-to-https", "Redirect HTTP to HTTPS"),
            ("https-only", "HTTPS Only"),
            ("match-viewer", "Match viewer"),
            ("http-only", "HTTP only"),
            ("sni-only", "SNI only (recommended)"),
            ("vip", "Legacy clients support (dedicated IP)"),
            ("InProgress", "In Progress"),
        ],
    )
    def test_console_label(self, value, label):
        assert Template("{% load console %}{{ v|console_label }}").render(Context({"v": value})) == label

    def test_the_default_behavior_is_default_star(self):
        assert Template("{% load console %}{{ v|behavior_label }}").render(Context({"v": "*"})) == "Default (*)"

    def test_the_edit_page_shows_no_api_values_or_etags(self, signed_in, static_site):
        response = signed_in.get(edit_url(static_site), {"behavior": "/images/*"})
        text = response.content.decode()
        etag = response.context["snapshot"].etag
        visible = text.replace(f'value="{etag}"', "")
        assert etag not in visible
        assert ">allow-all<" not in text and "allow-all ·" not in text
        assert "IfMatch" not in text


class TestPages:
    def test_the_sign_in_page_has_an_h1_and_no_empty_breadcrumbs(self, client):
        body = client.get(reverse("login")).content.decode()
        assert "<h1" in body
        assert 'aria-label="Breadcrumbs"' not in body

    def test_the_lockout_page_links_back_to_sign_in(self, client):
        from django.template.loader import render_to_string

        assert reverse("login") in render_to_string("registration/locked.html")

    def test_each_distribution_tab_has_its_own_title(self, signed_in, static_site):
        titles = set()
        for name in ("distribution_general", "distribution_origins", "distribution_behaviors"):
            body = signed_in.get(reverse(f"distributions:{name}", args=[static_site.id])).content.decode()
            titles.add(body.split("<title>")[1].split("</title>")[0])
        assert len(titles) == 3

    def test_the_menu_link_opens_the_side_navigation_without_javascript(self, signed_in):
        body = signed_in.get(reverse("distributions:distribution_list")).content.decode()
        assert 'href="#navigation"' in body and 'id="navigation"' in body
