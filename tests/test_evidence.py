"""The Edit behavior page's evidence, as pure functions over config dicts."""

import pytest

from distributions import evidence

from .factories import distribution_config


@pytest.fixture
def config():
    return distribution_config([("/images/*", "allow-all"), ("/images/*.jpg", "allow-all")])


class TestEditEvidence:
    def test_a_shadowed_behavior_s_sample_path_reaches_the_earlier_one(self, config):
        found = evidence.edit_evidence(config, ["/images/*.jpg"], "https-only", None, "d1.cloudfront.net")
        [catch] = found["catches"]
        assert catch["winner"].path_pattern == "/images/*"

    def test_the_path_test_shows_before_and_after_for_http_and_https(self, config):
        found = evidence.edit_evidence(config, ["/images/*"], "https-only", "/images/a.png", "d1.cloudfront.net")
        rows = {row["request"]: (row["before"].status, row["after"].status) for row in found["path_test"]["rows"]}
        assert rows["HTTP GET"] == (200, 403)
        assert rows["HTTPS GET"] == (200, 200)

    def test_the_after_config_changes_only_the_chosen_policy(self, config):
        found = evidence.edit_evidence(config, ["/images/*"], "redirect-to-https", None, "d1.cloudfront.net")
        policies = [b["ViewerProtocolPolicy"] for b in found["after"]["CacheBehaviors"]["Items"]]
        assert policies == ["redirect-to-https", "allow-all"]

    @pytest.mark.parametrize("raw", ["has space", "x" * 2049, "\x00"])
    def test_a_path_that_is_not_a_path_is_refused_with_a_message(self, raw):
        path, error = evidence.tested_path(raw)
        assert path is None and "URL path" in error

    def test_a_path_without_its_slash_gets_one(self):
        assert evidence.tested_path("a.png") == ("/a.png", None)
