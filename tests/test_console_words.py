"""Diffs in the console's words (issue #14 item 8): Behavior /assets/* — Viewer Protocol Policy: HTTP and HTTPS → …"""

import copy

import pytest
from django.urls import reverse

from distributions import approvals, pipeline, publish
from distributions.cloudfront import config as cfg
from distributions.console_words import describe_changes, describe_recorded, spelled_out, value_label
from distributions.models import AuditEntry

from .factories import OriginFactory, distribution_config

BASE = distribution_config(
    [("/assets/*", "allow-all"), ("/api/*", "https-only"), ("/img/*", "allow-all")],
    origins=[OriginFactory(Id="origin-main"), OriginFactory(Id="legacy")],
    aliases=["www.example.com"],
)


def edited(change):
    config = copy.deepcopy(BASE)
    change(config)
    return config


def said(before, after):
    return [(c.subject, c.field, c.before, c.after) for c in describe_changes(before, after)]


def set_items(key, items):
    def change(config):
        config[key] = {"Quantity": len(items), "Items": items}

    return change


CASES = [
    (
        lambda c: c["CacheBehaviors"]["Items"][0].update(ViewerProtocolPolicy="redirect-to-https"),
        [("Behavior /assets/*", "Viewer Protocol Policy", "HTTP and HTTPS", "Redirect HTTP to HTTPS")],
    ),
    (
        lambda c: c["DefaultCacheBehavior"].update(ViewerProtocolPolicy="https-only"),
        [("Default behavior (*)", "Viewer Protocol Policy", "HTTP and HTTPS", "HTTPS Only")],
    ),
    (  # a reorder is precedences, not swapped fields
        lambda c: c["CacheBehaviors"]["Items"].reverse(),
        [("Behavior /img/*", "Precedence", "2", "0"), ("Behavior /assets/*", "Precedence", "0", "2")],
    ),
    (
        lambda c: c["Origins"]["Items"][1]["CustomOriginConfig"].update(OriginProtocolPolicy="match-viewer"),
        [("Origin legacy", "Protocol", "HTTPS Only", "Match viewer")],
    ),
    (
        lambda c: c["Origins"]["Items"][0]["CustomOriginConfig"].update(
            OriginSslProtocols={"Quantity": 2, "Items": ["TLSv1.1", "TLSv1.2"]}
        ),
        [("Origin origin-main", "Minimum origin SSL protocol", "TLSv1.2", "TLSv1.1, TLSv1.2")],
    ),
    (
        set_items("Aliases", ["www.example.com", "example.com"]),
        [("Settings", "Alternate domain names (CNAMEs)", "www.example.com", "www.example.com, example.com")],
    ),
    (lambda c: c.update(Enabled=False), [("Settings", "Distribution state", "Enabled", "Disabled")]),
    (lambda c: c.update(Comment="Shop"), [("Settings", "Description", "test", "Shop")]),
    (
        lambda c: c["ViewerCertificate"].update(MinimumProtocolVersion="TLSv1.2_2021"),
        [("Settings", "Security policy", "TLSv1", "TLSv1.2_2021")],
    ),
    (  # a field the console has no label for is spelled out, never shown as an API path
        lambda c: c["DefaultCacheBehavior"].update(SmoothStreaming=True),
        [("Default behavior (*)", "Smooth streaming", "No", "Yes")],
    ),
    (
        lambda c: c["CacheBehaviors"]["Items"].pop(1),
        [("Behavior /img/*", "Precedence", "2", "1"), ("Behavior /api/*", "Cache behavior", "present", "(deleted)")],
    ),
]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_describe_changes(change, expected):
    assert said(BASE, edited(change)) == expected


def test_no_change_says_nothing():
    assert describe_changes(BASE, copy.deepcopy(BASE)) == []


def test_each_row_keeps_the_api_path_and_values_for_the_tooltip():
    after = edited(lambda c: c["CacheBehaviors"]["Items"][2].update(ViewerProtocolPolicy="redirect-to-https"))
    (row,) = describe_changes(BASE, after)
    assert tuple(row) == ("CacheBehaviors.Items[2].ViewerProtocolPolicy", "allow-all", "redirect-to-https")


def test_nothing_api_shaped_reaches_the_words():
    """Every label and value of every case above is in words: no dotted paths, brackets or API enum values."""
    for change, _ in CASES:
        for row in describe_changes(BASE, edited(change)):
            for text in (row.subject, row.field, row.before, row.after):
                assert "Items[" not in text and "." not in text.replace("www.example.com", "").replace(
                    "example.com", ""
                ).replace("TLSv1.", "TLSv1"), text
                assert text not in ("allow-all", "redirect-to-https", "https-only", "match-viewer"), text


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("OriginReadTimeout", "Origin read timeout"),
        ("SSLSupportMethod", "SSL support method"),
        ("IsIPV6Enabled", "Is IPV6 enabled"),
        ("Compress", "Compress"),
    ],
)
def test_spelled_out(name, words):
    assert spelled_out(name) == words


@pytest.mark.parametrize(
    ("value", "words"),
    [(None, "(none)"), ("", "(none)"), ([], "(none)"), ({"Quantity": 0}, "(none)"), (True, "Yes"), (3, "3")],
)
def test_value_label(value, words):
    assert value_label(value) == words


def test_recorded_triples_without_configs_name_the_behavior_from_the_config_when_known():
    triples = [("CacheBehaviors.Items[1].ViewerProtocolPolicy", "https-only", "redirect-to-https")]
    (row,) = describe_recorded(triples, BASE)
    assert (row.subject, row.field, row.before, row.after) == (
        "Behavior /api/*", "Viewer Protocol Policy", "HTTPS Only", "Redirect HTTP to HTTPS",
    )  # fmt: skip
    (row,) = describe_recorded(triples)
    assert row.subject == "Cache behavior 1"
    (row,) = describe_recorded([("Aliases.Items", ["a.example"], ["b.example"])])
    assert (row.subject, row.field) == ("Settings", "Alternate domain names (CNAMEs)")


API_PATH = b"CacheBehaviors.Items"


class TestPagesShowConsoleWords:
    def push(self, user, distribution):
        snapshot = publish.begin_edit(distribution.id)
        after = cfg.set_viewer_protocol_policy(snapshot.config, ["/images/*"], "redirect-to-https")
        return pipeline.submit_reviewed(user, snapshot, after, action="test", summary="test")

    def visible_text(self, response):
        """The page without its tooltips (title attributes keep the API's words on purpose)."""
        import re

        return re.sub(rb' title="[^"]*"', b"", response.content)

    def test_history(self, signed_in, user, static_site):
        self.push(user, static_site)
        response = signed_in.get(reverse("distributions:distribution_history", args=[static_site.id]))
        text = self.visible_text(response)
        assert b"Behavior /images/*</strong> \xe2\x80\x94 Viewer Protocol Policy: HTTP and HTTPS" in text
        assert API_PATH not in text and API_PATH in response.content

    def test_restore(self, signed_in, user, static_site):
        self.push(user, static_site)
        entry = AuditEntry.objects.get(distribution_id=static_site.id, outcome="pushed")
        url = reverse("distributions:history_restore", args=[static_site.id, entry.pk])
        text = self.visible_text(signed_in.get(url))
        assert b"Redirect HTTP to HTTPS" in text and API_PATH not in text

    def test_change_request(self, signed_in, user, static_site):
        snapshot = publish.begin_edit(static_site.id)
        after = cfg.set_viewer_protocol_policy(snapshot.config, ["/css/*"], "https-only")
        change = approvals.submit_change(user, static_site.id, snapshot.config, snapshot.etag, after, "x")
        text = self.visible_text(signed_in.get(reverse("distributions:change_request_detail", args=[change.pk])))
        assert b"Behavior /css/*" in text and b"HTTPS Only" in text and API_PATH not in text

    def test_review_on_the_edit_page(self, signed_in, static_site):
        url = reverse("distributions:behavior_edit", args=[static_site.id])
        response = signed_in.get(url, {"behavior": "/images/*", "policy": "redirect-to-https"})
        text = self.visible_text(response)
        assert b"Settings this change makes" in text
        assert API_PATH not in text

    def test_conflict(self, signed_in, simulator, static_site):
        url = reverse("distributions:behavior_edit", args=[static_site.id])
        etag = signed_in.get(url, {"behavior": "/images/*"}).context["snapshot"].etag
        config, current = simulator.get_distribution_config(static_site.id)
        simulator.update_distribution(
            static_site.id, cfg.set_viewer_protocol_policy(config, ["/css/*"], "https-only"), current
        )
        response = signed_in.post(
            url,
            {"etag": etag, "behavior": ["/images/*"], "policy": "redirect-to-https",
             "confirm_path_patterns": "on", "confirm_order": "on", "confirm_origins": "on"},
        )  # fmt: skip
        text = self.visible_text(response)
        assert response.status_code == 409
        assert b"Behavior /css/*" in text and b"HTTPS Only" in text and API_PATH not in text
