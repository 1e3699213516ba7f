"""Statuses that keep themselves true (issue #14 item 13): the pushed change's message and the invalidations."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from distributions import publish
from distributions.cloudfront import config as cfg
from distributions.sandbox.models import SimulatedInvalidation

DEPLOYING = b"The change is deploying (In Progress)"
DEPLOYED = b"Deployed: edge locations now serve the change."


def yes_edit(client, distribution):
    url = reverse("distributions:behavior_edit", args=[distribution.id])
    etag = client.get(url, {"behavior": "/images/*"}).context["snapshot"].etag
    return client.post(
        url,
        {"etag": etag, "behavior": ["/images/*"], "policy": "redirect-to-https",
         "confirm_path_patterns": "on", "confirm_order": "on", "confirm_origins": "on"},
        follow=True,
    )  # fmt: skip


class TestPushedMessage:
    def test_while_in_progress_it_says_deploying(self, signed_in, static_site, settings):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        body = yes_edit(signed_in, static_site).content
        assert b"Viewer Protocol Policy of /images/* set to Redirect HTTP to HTTPS." in body
        assert DEPLOYING in body and DEPLOYED not in body
        assert f'id="deploy-note-{static_site.id}"'.encode() in body

    def test_once_deployed_it_says_deployed(self, signed_in, static_site):
        body = yes_edit(signed_in, static_site).content
        assert DEPLOYED in body and DEPLOYING not in body

    def test_the_status_poll_that_finds_deployed_updates_the_message_out_of_band(self, signed_in, static_site):
        url = reverse("distributions:distribution_status", args=[static_site.id])
        body = signed_in.get(url, {"attempt": 3}, headers={"HX-Request": "true"}).content
        assert b"Deployed</span>" in body
        assert f'id="deploy-note-{static_site.id}" hx-swap-oob="true"'.encode() in body and DEPLOYED in body

    def test_the_first_render_of_the_badge_sends_no_message(self, signed_in, static_site):
        body = signed_in.get(reverse("distributions:distribution_status", args=[static_site.id])).content
        assert b"hx-swap-oob" not in body

    def test_a_poll_still_in_progress_polls_again_and_leaves_the_message(
        self, signed_in, simulator, static_site, settings
    ):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        config, etag = simulator.get_distribution_config(static_site.id)
        simulator.update_distribution(static_site.id, cfg.set_viewer_protocol_policy(config, ["*"], "https-only"), etag)
        url = reverse("distributions:distribution_status", args=[static_site.id])
        body = signed_in.get(url, {"attempt": 3}, headers={"HX-Request": "true"}).content
        assert b"hx-trigger" in body and b"hx-swap-oob" not in body


class TestInvalidationsRefreshThemselves:
    def url(self, distribution):
        return reverse("distributions:distribution_invalidations", args=[distribution.id])

    def test_the_list_polls_while_an_invalidation_is_in_progress(self, signed_in, static_site, settings):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        publish.create_invalidation(static_site.id, "/*")
        response = signed_in.get(
            self.url(static_site), headers={"HX-Request": "true", "HX-Target": "invalidation-list"}
        )
        body = response.content.decode()
        assert body.lstrip().startswith('<section class="container" id="invalidation-list"')
        assert "<html" not in body
        assert 'hx-trigger="every 2s"' in body and "In Progress" in body

    def test_it_backs_off_and_stops_once_completed(self, signed_in, static_site, settings):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 600
        publish.create_invalidation(static_site.id, "/*")
        headers = {"HX-Request": "true", "HX-Target": "invalidation-list"}
        body = signed_in.get(self.url(static_site), {"attempt": 4}, headers=headers).content.decode()
        assert 'hx-trigger="every 10s"' in body and "attempt=5" in body
        SimulatedInvalidation.objects.update(ready_at=timezone.now() - timedelta(seconds=1))
        body = signed_in.get(self.url(static_site), {"attempt": 5}, headers=headers).content.decode()
        assert "Completed" in body and "In Progress" not in body
        assert "hx-trigger" not in body and "hx-get" not in body

    def test_a_completed_list_does_not_poll(self, signed_in, static_site):
        publish.create_invalidation(static_site.id, "/*")
        body = signed_in.get(self.url(static_site)).content.decode()
        assert "Completed" in body and "hx-trigger" not in body.split('id="invalidation-list"')[1].split(">")[0]

    def test_the_created_message_uses_no_api_status(self, signed_in, static_site):
        response = signed_in.post(self.url(static_site), {"paths": "/*"}, follow=True)
        assert b"InProgress" not in response.content
