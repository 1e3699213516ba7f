"""The pieces under CloudFront's rules: botocore's model, quotas, host names, the defaults it fills."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from distributions.cloudfront import config as cfg
from distributions.cloudfront import defaults, hosts, quotas, rules, service_model

from .factories import distribution_config

ROOT = Path(__file__).resolve().parent.parent


class TestServiceModel:
    @pytest.mark.parametrize(
        "code, status",
        [
            ("PreconditionFailed", 412),
            ("NoSuchOrigin", 404),
            ("NoSuchDistribution", 404),
            ("CNAMEAlreadyExists", 409),
            ("TooManyCacheBehaviors", 400),
            ("IllegalOriginAccessConfiguration", 400),
            ("MalformedXML", 400),  # not in the model: CloudFront's parser answers it, with 400
        ],
    )
    def test_error_statuses_come_from_the_model(self, code, status):
        assert service_model.error_status(code) == status
        assert cfg.ConfigError(code, "words").status == status

    def test_the_console_lists_come_from_the_model(self):
        assert set(cfg.VIEWER_PROTOCOL_POLICIES) == set(service_model.enum("ViewerProtocolPolicy"))
        assert set(cfg.SECURITY_POLICIES) == set(service_model.enum("MinimumProtocolVersion"))
        assert cfg.ORIGIN_SSL_PROTOCOLS == ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2")
        assert service_model.required("DistributionConfig") == (
            "CallerReference", "Origins", "DefaultCacheBehavior", "Comment", "Enabled",
        )  # fmt: skip

    def test_security_policies_sort_weakest_first(self):
        assert cfg.VIEWER_TLS_POLICIES[:3] == ("SSLv3", "TLSv1", "TLSv1_2016")
        assert cfg.VIEWER_TLS_POLICIES[-3:] == ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
        assert cfg.SECURITY_POLICIES[0] == "TLSv1.2_2021"

    def test_a_violation_is_reported_in_cloudfronts_validation_format(self):
        config = distribution_config(HttpVersion="HTTP2")
        config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "sometimes"
        (error,) = cfg.problems(config)
        assert error.code == "MalformedXML"
        assert error.message.startswith("2 validation errors detected: Value 'sometimes' at ")
        assert "Value 'HTTP2' at 'distributionConfig.httpVersion' failed to satisfy constraint" in error.message

    def test_members_the_model_does_not_know_are_left_alone(self):
        assert service_model.shape_errors(distribution_config(TomorrowsField={"Anything": [1]})) == []


class TestQuotas:
    def test_the_defaults_are_todays(self):
        default = quotas.DEFAULT
        assert (default.cache_behaviors, default.origins, default.origin_groups, default.aliases) == (75, 100, 10, 100)

    @pytest.mark.parametrize(
        "text, expected",
        [
            ("", quotas.DEFAULT),
            (None, quotas.DEFAULT),
            ("cache_behaviors=100,origins=150", quotas.Quotas(cache_behaviors=100, origins=150)),
            (" aliases = 200 , ", quotas.Quotas(aliases=200)),
        ],
    )
    def test_it_reads_raised_quotas(self, text, expected):
        assert quotas.parse(text) == expected

    @pytest.mark.parametrize("text", ["behaviors=100", "origins", "origins=0", "origins=-1", "origins=ten"])
    def test_it_refuses_what_it_cannot_read(self, text):
        with pytest.raises(ValueError):
            quotas.parse(text)

    def test_a_bad_setting_stops_the_console_with_one_line(self, tmp_path):
        env = {**os.environ, "CONSOLE_SIMULATOR_QUOTAS": "behaviours=100", "DATABASE_URL": f"sqlite:///{tmp_path}/db"}
        result = subprocess.run(
            [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode != 0
        assert result.stderr.strip().count("\n") == 0
        assert "CONSOLE_SIMULATOR_QUOTAS: 'behaviours=100'" in result.stderr

    def test_a_raised_quota_is_a_parameter_of_the_rules(self):
        config = distribution_config([(f"/p{i}/*", "allow-all") for i in range(80)])
        with pytest.raises(cfg.ConfigError) as error:
            cfg.validate(config)
        assert error.value.code == "TooManyCacheBehaviors"
        cfg.validate(config, quotas.Quotas(cache_behaviors=100))


class TestHosts:
    @pytest.mark.parametrize(
        "alias, host, matches",
        [
            ("www.example.com", "WWW.example.com.", True),
            ("*.example.com", "blog.example.com", True),
            # Developer Guide: *.example.com serves marketing.product-name.example.com too
            ("*.example.com", "a.b.example.com", True),
            ("*.example.com", "example.com", False),
            ("*.example.com", "badexample.com", False),
            ("blog.example.com", "www.example.com", False),
        ],
    )
    def test_alias_routing(self, alias, host, matches):
        assert hosts.alias_matches(alias, host) is matches

    def test_the_most_specific_alias_wins(self):
        aliases = ["*.example.com", "*.shop.example.com", "www.shop.example.com"]
        assert hosts.best_alias(aliases, "www.shop.example.com") == "www.shop.example.com"
        assert hosts.best_alias(aliases, "eu.shop.example.com") == "*.shop.example.com"
        assert hosts.best_alias(aliases, "blog.example.com") == "*.example.com"
        assert hosts.best_alias(aliases, "example.org") is None

    def test_wildcard_keys_go_from_specific_to_general(self):
        assert hosts.wildcard_keys("a.b.example.com") == ["*.b.example.com", "*.example.com", "*.com"]

    @pytest.mark.parametrize(
        "alias, valid",
        [
            ("www.example.com", True),
            ("*.example.com", True),
            ("xn--bcher-kva.example", True),
            ("WWW.example.com", False),  # "All alternate domain names (CNAMEs) must be lowercase"
            ("*.*.example.com", False),
            ("sub.*.example.com", False),
            ("*example.com", False),
            ("exa_mple.com", False),
            ("-a.example.com", False),
            ("example", False),
        ],
    )
    def test_alias_syntax(self, alias, valid):
        assert (rules.alias_error(alias) is None) is valid


class TestDefaults:
    def test_filling_twice_changes_nothing(self):
        once = defaults.fill({"CallerReference": "r", "Origins": {"Quantity": 0}, "DefaultCacheBehavior": {}})
        assert defaults.fill(once) == once

    def test_it_does_not_change_its_input(self):
        config = {"CallerReference": "r", "DefaultCacheBehavior": {}}
        defaults.fill(config)
        assert config == {"CallerReference": "r", "DefaultCacheBehavior": {}}

    def test_a_behavior_with_a_cache_policy_gets_no_ttls(self):
        filled = defaults.fill(distribution_config())
        assert "DefaultTTL" not in filled["DefaultCacheBehavior"]

    def test_every_default_names_its_source(self):
        tables = (
            defaults.DISTRIBUTION_DEFAULTS, defaults.ORIGIN_DEFAULTS, defaults.CUSTOM_ORIGIN_DEFAULTS,
            defaults.BEHAVIOR_DEFAULTS, defaults.LEGACY_CACHE_DEFAULTS, defaults.FORWARDED_VALUES_DEFAULTS,
        )  # fmt: skip
        rows = [row for table in tables for row in table]
        assert len(rows) >= 20
        assert all(source for _field, _value, source in rows)

    def test_filled_fields_names_additions_and_changes(self):
        before = {"A": {"B": 1}, "L": [{"X": 1}]}
        after = {"A": {"B": 2, "C": 3}, "L": [{"X": 1, "Y": 2}], "D": 4}
        assert defaults.filled_fields(before, after) == ["A.B.(value)", "A.C", "L[0].Y", "D"]
