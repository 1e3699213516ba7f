"""The console's pages: GET, POST, htmx fragments, sign-in, bad input."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from distributions.models import Distribution, EditSnapshot
from distributions.sandbox.models import SimulatedDistribution

from .factories import ALL_METHODS
from .support import CONFIRMATIONS

pytestmark = pytest.mark.django_db


def behaviors_url(distribution):
    return reverse("distributions:distribution_behaviors", args=[distribution.id])


def edit_url(distribution):
    return reverse("distributions:behavior_edit", args=[distribution.id])


def stored_config(distribution):
    return SimulatedDistribution.objects.get(pk=distribution.id).config


def begin(client, distribution, *patterns):
    response = client.get(edit_url(distribution), {"behavior": list(patterns)})
    assert response.status_code == 200
    return response.context["snapshot"].etag


class TestSignIn:
    @pytest.mark.parametrize(
        "name, args",
        [
            ("distributions:distribution_list", []),
            ("distributions:distribution_general", ["E123"]),
            ("distributions:distribution_origins", ["E123"]),
            ("distributions:distribution_behaviors", ["E123"]),
            ("distributions:behavior_edit", ["E123"]),
            ("distributions:distribution_status", ["E123"]),
        ],
    )
    def test_anonymous_requests_go_to_the_login_page(self, client, name, args):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_anonymous_post_to_edit_changes_nothing(self, client, static_site):
        before = stored_config(static_site)
        response = client.post(edit_url(static_site), {"policy": "https-only", "behavior": "*"})
        assert response.status_code == 302
        assert stored_config(static_site) == before

    def test_the_login_page_signs_in(self, client, user):
        response = client.post(reverse("login"), {"username": "alice", "password": "correct horse battery staple"})
        assert response.status_code == 302
        assert client.get(reverse("distributions:distribution_list")).status_code == 200

    def test_a_wrong_password_is_refused_with_a_message(self, client, user):
        response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content


class TestDistributionPages:
    @pytest.mark.parametrize("name", ["distribution_general", "distribution_origins", "distribution_behaviors"])
    def test_tabs_show_breadcrumbs_and_the_id_as_title(self, signed_in, static_site, name):
        response = signed_in.get(reverse(f"distributions:{name}", args=[static_site.id]))
        body = response.content.decode()
        assert response.status_code == 200
        assert f"<h1>{static_site.id}</h1>" in body
        assert ">CloudFront</a>" in body and ">Distributions</a>" in body
        for tab in ("General", "Origins", "Behaviors"):
            assert f">{tab}</a>" in body

    @pytest.mark.parametrize(
        "name",
        [
            "distribution_general",
            "distribution_origins",
            "distribution_behaviors",
            "behavior_edit",
            "distribution_status",
        ],
    )
    def test_an_unknown_distribution_is_a_404(self, signed_in, db, name):
        response = signed_in.get(reverse(f"distributions:{name}", args=["ENOSUCHTHING00"]), {"behavior": "*"})
        assert response.status_code == 404
        assert b"ENOSUCHTHING00" in response.content

    def test_behaviors_are_listed_in_precedence_order_default_last(self, signed_in, static_site):
        response = signed_in.get(behaviors_url(static_site))
        patterns = [b.path_pattern for b in response.context["behaviors"]]
        assert patterns == ["/images/*", "/css/*", "*"]
        body = response.content.decode()
        assert body.index("/images/*") < body.index("/css/*") < body.index("Default (*)")
        assert 'type="radio" name="behavior"' in body

    def test_choosing_a_behavior_with_htmx_returns_the_actions_fragment(self, signed_in, static_site):
        response = signed_in.get(
            behaviors_url(static_site),
            {"behavior": "/css/*"},
            headers={"HX-Request": "true", "HX-Target": "behavior-actions"},
        )
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="behavior-actions"')
        assert "/css/*" in body and ">Edit</button>" in body

    def test_the_status_fragment_polls_while_in_progress(self, signed_in, static_site, settings):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        etag = begin(signed_in, static_site, "*")
        signed_in.post(edit_url(static_site), {"etag": etag, "behavior": "*", "policy": "https-only", **CONFIRMATIONS})
        url = reverse("distributions:distribution_status", args=[static_site.id])
        body = signed_in.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "In Progress" in body and 'hx-trigger="every 2s"' in body
        SimulatedDistribution.objects.filter(pk=static_site.id).update(deploy_ready_at="2000-01-01T00:00:00Z")
        body = signed_in.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "Deployed" in body and "hx-trigger" not in body


class TestBehaviorEdit:
    def test_it_shows_the_three_policies_with_what_viewers_get(self, signed_in, static_site):
        body = signed_in.get(edit_url(static_site), {"behavior": "/images/*"}).content.decode()
        for label in ("HTTP and HTTPS", "Redirect HTTP to HTTPS", "HTTPS Only", "Viewer Protocol Policy", "Yes, Edit"):
            assert label in body
        assert "301" in body and "403" in body and "billed as two requests" in body

    def test_it_warns_specifically_when_the_behavior_allows_unsafe_methods(self, signed_in, make_distribution):
        api = make_distribution([("/api/*", "allow-all", ALL_METHODS), ("/img/*", "allow-all")])
        api_page = signed_in.get(edit_url(api), {"behavior": "/api/*"}).content.decode()
        img_page = signed_in.get(edit_url(api), {"behavior": "/img/*"}).content.decode()
        assert "This behavior allows DELETE, OPTIONS, PATCH, POST, PUT" in api_page
        assert "This behavior allows" not in img_page

    def test_it_shows_the_checklist_evidence(self, signed_in, static_site):
        response = signed_in.get(edit_url(static_site), {"behavior": "/css/*"})
        body = response.content.decode()
        assert response.context["origins"][0]["domain_name"] in body
        assert "being edited" in body
        for name in ("confirm_path_patterns", "confirm_order", "confirm_origins"):
            assert f'name="{name}"' in body

    def test_the_path_tester_shows_before_and_after(self, signed_in, static_site):
        response = signed_in.get(
            edit_url(static_site),
            {"behavior": "/images/*", "policy": "redirect-to-https", "test_path": "/images/a.png"},
        )
        test = response.context["path_test"]
        assert test["behavior"].path_pattern == "/images/*"
        http_get = next(row for row in test["rows"] if row["request"] == "HTTP GET")
        assert http_get["before"].status == 200
        assert http_get["after"].status == 301
        assert http_get["after"].location == f"https://{static_site.domain_name}/images/a.png"

    def test_the_path_tester_names_the_behavior_that_wins(self, signed_in, static_site):
        response = signed_in.get(
            edit_url(static_site), {"behavior": "/images/*", "policy": "https-only", "test_path": "/about.html"}
        )
        test = response.context["path_test"]
        assert test["behavior"].path_pattern == "*"
        assert all(row["before"].status == row["after"].status for row in test["rows"])

    def test_the_path_tester_answers_htmx_with_its_fragment(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "/images/*")
        response = signed_in.get(
            edit_url(static_site),
            {"behavior": "/images/*", "policy": "https-only", "test_path": "/images/x", "etag": etag},
            headers={"HX-Request": "true", "HX-Target": "path-tester"},
        )
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="path-tester"')
        assert "403" in body

    def test_a_bad_test_path_gets_a_message(self, signed_in, static_site):
        response = signed_in.get(edit_url(static_site), {"behavior": "*", "test_path": "/a b"})
        assert response.status_code == 200
        assert b"Type a URL path" in response.content

    def test_without_a_behavior_it_goes_back_to_the_tab_and_says_to_choose_one(self, signed_in, static_site):
        response = signed_in.get(edit_url(static_site), follow=True)
        assert response.redirect_chain == [(behaviors_url(static_site), 302)]
        assert b"Choose a cache behavior in the table" in response.content

    def test_an_unknown_behavior_is_a_404(self, signed_in, static_site):
        response = signed_in.get(edit_url(static_site), {"behavior": "/nope/*"})
        assert response.status_code == 404
        assert b"/nope/*" in response.content

    def test_yes_edit_pushes_and_returns_to_the_behaviors_tab(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "/images/*")
        response = signed_in.post(
            edit_url(static_site),
            {"etag": etag, "behavior": "/images/*", "policy": "redirect-to-https", **CONFIRMATIONS},
        )
        assert response.status_code == 302
        assert response.url == behaviors_url(static_site)
        config = stored_config(static_site)
        assert config["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "redirect-to-https"
        assert config["CacheBehaviors"]["Items"][1]["ViewerProtocolPolicy"] == "allow-all"
        followed = signed_in.get(response.url)
        assert b"set to Redirect HTTP to HTTPS" in followed.content

    def test_yes_edit_leaves_the_status_in_progress_until_deployed(self, signed_in, static_site, settings):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        etag = begin(signed_in, static_site, "*")
        signed_in.post(edit_url(static_site), {"etag": etag, "behavior": "*", "policy": "https-only", **CONFIRMATIONS})
        assert Distribution.objects.get(pk=static_site.id).status == "InProgress"
        assert b"In Progress" in signed_in.get(behaviors_url(static_site)).content

    def test_yes_edit_over_htmx_redirects_the_client(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "*")
        response = signed_in.post(
            edit_url(static_site),
            {"etag": etag, "behavior": "*", "policy": "https-only", **CONFIRMATIONS},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert response["HX-Redirect"] == behaviors_url(static_site)

    def test_several_behaviors_change_in_one_push(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "/images/*")
        response = signed_in.post(
            edit_url(static_site),
            {"etag": etag, "behavior": ["/images/*", "/css/*", "*"], "policy": "https-only", **CONFIRMATIONS},
        )
        assert response.status_code == 302
        config = stored_config(static_site)
        policies = [b["ViewerProtocolPolicy"] for b in config["CacheBehaviors"]["Items"]]
        assert policies == ["https-only", "https-only"]
        assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
        new_etag = SimulatedDistribution.objects.get(pk=static_site.id).etag
        assert new_etag != etag

    @pytest.mark.parametrize(
        "change, message",
        [
            ({"policy": "allow-some"}, b"is not a viewer protocol policy"),
            ({"policy": ""}, b"Choose a Viewer Protocol Policy"),
            ({"behavior": "/nope/*"}, b"There is no cache behavior with the path pattern /nope/*"),
            ({"behavior": []}, b"Choose at least one cache behavior"),
            ({"confirm_order": ""}, b"Confirm that the cache behaviors are in the intended order"),
            ({"confirm_path_patterns": ""}, b"Confirm that the path patterns apply only"),
            ({"confirm_origins": ""}, b"Confirm that the cache behaviors route to the correct origins"),
        ],
    )
    def test_bad_input_gets_a_message_and_changes_nothing(self, signed_in, static_site, change, message):
        etag = begin(signed_in, static_site, "/images/*")
        before = SimulatedDistribution.objects.get(pk=static_site.id)
        data = {"etag": etag, "behavior": "/images/*", "policy": "https-only", **CONFIRMATIONS, **change}
        data = {k: v for k, v in data.items() if v != ""}
        response = signed_in.post(edit_url(static_site), data)
        assert response.status_code == 400
        assert message in response.content
        after = SimulatedDistribution.objects.get(pk=static_site.id)
        assert (after.config, after.etag) == (before.config, before.etag)

    def test_invalid_form_over_htmx_is_200_with_the_errors(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "*")
        response = signed_in.post(
            edit_url(static_site),
            {"etag": etag, "behavior": "*", "policy": "https-only"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert b"Confirm that" in response.content

    @pytest.mark.parametrize("etag", ["EBOGUSBOGUSBOG", "", "x" * 500])
    def test_a_tampered_etag_changes_nothing(self, signed_in, static_site, etag):
        before = stored_config(static_site)
        response = signed_in.post(
            edit_url(static_site), {"etag": etag, "behavior": "*", "policy": "https-only", **CONFIRMATIONS}
        )
        assert response.status_code == 400
        assert b"start" in response.content.lower()
        assert stored_config(static_site) == before

    def test_a_stale_etag_shows_the_conflict_and_overwrites_nothing(self, signed_in, static_site, simulator):
        etag = begin(signed_in, static_site, "/images/*")
        # Someone else changes /css/* meanwhile.
        config, current = simulator.get_distribution_config(static_site.id)
        config["CacheBehaviors"]["Items"][1]["ViewerProtocolPolicy"] = "https-only"
        simulator.update_distribution(static_site.id, config, current)
        response = signed_in.post(
            edit_url(static_site), {"etag": etag, "behavior": "/images/*", "policy": "https-only", **CONFIRMATIONS}
        )
        assert response.status_code == 409
        body = response.content.decode()
        assert "changed while you were editing" in body
        assert "CacheBehaviors.Items[1].ViewerProtocolPolicy" in body
        assert "Start again from the current configuration" in body
        stored = stored_config(static_site)
        assert stored["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] == "allow-all"
        assert stored["CacheBehaviors"]["Items"][1]["ViewerProtocolPolicy"] == "https-only"
        restart = response.context["restart_url"]
        fresh = signed_in.get(restart)
        assert fresh.status_code == 200
        assert fresh.context["snapshot"].etag == SimulatedDistribution.objects.get(pk=static_site.id).etag

    def test_every_other_field_goes_back_exactly_as_it_came(self, signed_in, make_distribution):
        distribution = make_distribution([("/a/*", "allow-all")], comment="keep me")
        before = stored_config(distribution)
        etag = begin(signed_in, distribution, "/a/*")
        signed_in.post(
            edit_url(distribution), {"etag": etag, "behavior": "/a/*", "policy": "https-only", **CONFIRMATIONS}
        )
        after = stored_config(distribution)
        before["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] = "https-only"
        assert after == before

    def test_beginning_an_edit_keeps_the_fetched_config_and_etag(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "*")
        snapshot = EditSnapshot.objects.get(distribution_id=static_site.id, etag=etag)
        assert snapshot.config == stored_config(static_site)

    def test_it_rejects_put(self, signed_in, static_site):
        assert signed_in.put(edit_url(static_site)).status_code == 405


def test_the_simulator_backend_is_the_default_when_console_backend_is_unset():
    """Read the settings in a fresh interpreter: the suite's own settings force the simulator."""
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_BACKEND"}
    code = (
        "import django; django.setup(); from distributions.backends.base import get_backend; "
        "print(type(get_backend()).__module__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE": "console.settings"},
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert done.stdout.strip() == "distributions.sandbox.simulator"


class TestHostileInput:
    @pytest.mark.parametrize(
        "path", ["/distributions/E..X/behaviors/", "/distributions/%F0%9F%92%A9/"]
    )  # a NUL in a path is refused before any lookup: tests/test_bad_input.py
    def test_odd_ids_are_404s(self, signed_in, path):
        assert signed_in.get(path).status_code == 404

    def test_nul_bytes_in_the_filter_are_a_400_page(self, signed_in, static_site):
        # One rule for every field (distributions.middleware.RefuseNulMiddleware): no field holds a NUL.
        response = signed_in.get(reverse("distributions:distribution_list"), {"q": "Static\x00"})
        assert response.status_code == 400
        assert b"NUL character" in response.content

    def test_a_nul_byte_in_the_etag_is_refused(self, signed_in, static_site):
        response = signed_in.post(
            edit_url(static_site), {"etag": "E\x00", "behavior": "*", "policy": "https-only", **CONFIRMATIONS}
        )
        assert response.status_code == 400

    def test_a_nul_byte_in_a_behavior_is_a_400_page(self, signed_in, static_site):
        assert signed_in.get(edit_url(static_site), {"behavior": "/a\x00"}).status_code == 400


class TestReview:
    def test_the_edit_page_shows_the_findings_the_change_resolves(self, signed_in, static_site):
        body = signed_in.get(edit_url(static_site), {"behavior": "/images/*", "policy": "https-only"}).content.decode()
        assert "Findings this change resolves" in body
        assert "allows-http" in body

    def test_it_names_the_307_consequence_as_a_finding(self, signed_in, make_distribution):
        api = make_distribution([("/api/*", "allow-all", ALL_METHODS)])
        response = signed_in.get(edit_url(api), {"behavior": "/api/*", "policy": "redirect-to-https"})
        assert [f.code for f in response.context["review"].added] == ["redirect-307-methods"]

    def test_the_htmx_path_tester_also_refreshes_the_review(self, signed_in, static_site):
        etag = begin(signed_in, static_site, "/images/*")
        body = signed_in.get(
            edit_url(static_site),
            {"behavior": "/images/*", "policy": "https-only", "etag": etag},
            headers={"HX-Request": "true", "HX-Target": "path-tester"},
        ).content.decode()
        assert 'id="review" hx-swap-oob="true"' in body


def test_edits_left_open_for_a_week_must_start_again(signed_in, static_site, make_distribution):
    from datetime import timedelta

    from django.utils import timezone

    etag = begin(signed_in, static_site, "*")
    EditSnapshot.objects.filter(etag=etag).update(created_at=timezone.now() - timedelta(days=8))
    begin(signed_in, make_distribution(), "*")  # whether or not the old snapshots were pruned yet
    response = signed_in.post(
        edit_url(static_site), {"etag": etag, "behavior": "*", "policy": "https-only", **CONFIRMATIONS}
    )
    assert response.status_code == 400
    assert b"start" in response.content.lower()
