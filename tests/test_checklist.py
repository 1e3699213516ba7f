"""The step-7 checklist: one config that triggers each finding, one near miss that does not."""

import copy
import datetime
import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distributions.cloudfront import checklist, patterns, shadowing, viewer
from distributions.cloudfront.certificates import covers

from .factories import (
    ALL_METHODS,
    GET_HEAD,
    GET_HEAD_OPTIONS,
    BehaviorFactory,
    OriginFactory,
    distribution_config,
    methods,
    quantity,
)

ACM_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/8f3c2a1e-5b7d-4e9a-9c61-2d4f7b8e0a13"


def custom_origin(origin_id="origin-main", policy="https-only", ssl=("TLSv1.2",)):
    return OriginFactory(
        Id=origin_id,
        CustomOriginConfig={
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": policy,
            "OriginSslProtocols": quantity(ssl),
            "OriginReadTimeout": 30,
            "OriginKeepaliveTimeout": 5,
        },
    )


def s3_origin(origin_id="bucket"):
    return {
        "Id": origin_id,
        "DomainName": f"{origin_id}.s3.us-east-1.amazonaws.com",
        "OriginPath": "",
        "CustomHeaders": {"Quantity": 0},
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }


def behavior(pattern, policy="https-only", origin_id="origin-main", allowed=GET_HEAD):
    return BehaviorFactory(
        PathPattern=pattern, ViewerProtocolPolicy=policy, TargetOriginId=origin_id, AllowedMethods=methods(allowed)
    )


def acm(minimum="TLSv1.2_2021"):
    return {
        "CloudFrontDefaultCertificate": False,
        "ACMCertificateArn": ACM_ARN,
        "SSLSupportMethod": "sni-only",
        "MinimumProtocolVersion": minimum,
        "Certificate": ACM_ARN,
        "CertificateSource": "acm",
    }


def secure(behaviors=(), origins=None, **extra):
    """A config that triggers nothing unless the arguments do: HTTPS everywhere."""
    return distribution_config(behaviors, default_policy="https-only", origins=origins, **extra)


def origin_group(group_id, *members):
    return {
        "Quantity": 1,
        "Items": [
            {
                "Id": group_id,
                "FailoverCriteria": {"StatusCodes": quantity([500, 502])},
                "Members": quantity([{"OriginId": m} for m in members]),
            }
        ],
    }


def codes(findings, code):
    return [f for f in findings if f.code == code]


# (case id, config, certificate_names, code, severity, path_pattern, origin_id) of a finding that must appear
TRIGGERS = [
    ("allows-http-default", distribution_config(), None, "allows-http", "warning", "*", None),
    ("allows-http-cache-behavior", secure([behavior("/api/*", "allow-all")]), None, "allows-http", "warning", "/api/*", None),
    (
        "shadowed-by-one",
        secure([behavior("/images/*"), behavior("/images/a.jpg")]),
        None, "shadowed-behavior", "error", "/images/a.jpg", None,
    ),
    (
        "shadowed-by-a-union",
        secure([behavior("/a"), behavior("/a?*"), behavior("/a*")]),
        None, "shadowed-behavior", "error", "/a*", None,
    ),
    ("shadowed-default", secure([behavior("/*")]), None, "shadowed-behavior", "error", "*", None),
    ("missing-origin", secure([behavior("/api/*", origin_id="gone")]), None, "missing-origin", "error", "/api/*", "gone"),
    (
        "redirect-307-methods",
        secure([behavior("/api/*", "redirect-to-https", allowed=ALL_METHODS)]),
        None, "redirect-307-methods", "warning", "/api/*", None,
    ),
    (
        "http-only-origin-behind-https",
        secure([behavior("/legacy/*", origin_id="legacy")], origins=[custom_origin(), custom_origin("legacy", "http-only")]),
        None, "http-to-origin", "warning", "/legacy/*", "legacy",
    ),
    (
        "match-viewer-origin-with-allow-all",
        distribution_config(origins=[custom_origin(policy="match-viewer")]),
        None, "http-to-origin", "warning", "*", "origin-main",
    ),
    (
        "http-only-member-of-origin-group",
        secure(
            [behavior("/app/*", origin_id="group")],
            origins=[custom_origin(), custom_origin("backup", "http-only")],
            OriginGroups=origin_group("group", "origin-main", "backup"),
        ),
        None, "http-to-origin", "warning", "/app/*", "backup",
    ),
    (
        "weak-origin-tls",
        secure(origins=[custom_origin(ssl=("TLSv1", "TLSv1.1", "TLSv1.2"))]),
        None, "weak-origin-tls", "warning", None, "origin-main",
    ),
    (
        "alias-not-covered",
        secure(aliases=["www.example.com", "a.b.example.com"], ViewerCertificate=acm()),
        ["*.example.com"], "alias-not-covered", "error", None, None,
    ),
    (
        "default-certificate-with-aliases",
        secure(aliases=["www.example.com"]),
        None, "default-certificate-with-aliases", "error", None, None,
    ),
    (
        "no-viewer-certificate-with-aliases",
        secure(aliases=["www.example.com"], ViewerCertificate=None),
        None, "default-certificate-with-aliases", "error", None, None,
    ),
    ("weak-viewer-tls", secure(ViewerCertificate=acm("TLSv1.2_2019")), None, "weak-viewer-tls", "warning", None, None),
    ("invalid-path-pattern", secure([behavior("/images/a b.jpg")]), None, "invalid-path-pattern", "error", "/images/a b.jpg", None),
    (
        "duplicate-path-pattern",
        secure([behavior("/a/*"), behavior("/a/*")]),
        None, "duplicate-path-pattern", "error", "/a/*", None,
    ),
    (
        "duplicate-but-for-the-leading-slash",
        secure([behavior("/a/*"), behavior("a/*")]),
        None, "duplicate-path-pattern", "error", "a/*", None,
    ),
]  # fmt: skip

# (case id, config, certificate_names, code) that must NOT appear: the closest config that is fine
NEAR_MISSES = [
    ("every-behavior-requires-https", secure([behavior("/api/*", "redirect-to-https")]), None, "allows-http"),
    ("specific-pattern-first", secure([behavior("/images/a.jpg"), behavior("/images/*")]), None, "shadowed-behavior"),
    ("union-leaves-a-gap", secure([behavior("/a?*"), behavior("/a*")]), None, "shadowed-behavior"),
    ("default-catches-the-rest", secure([behavior("/*.jpg"), behavior("/??*")]), None, "shadowed-behavior"),
    (
        "target-is-an-origin-group",
        secure(
            [behavior("/app/*", origin_id="group")],
            origins=[custom_origin(), custom_origin("backup")],
            OriginGroups=origin_group("group", "origin-main", "backup"),
        ),
        None, "missing-origin",
    ),
    ("redirect-with-get-head", secure([behavior("/api/*", "redirect-to-https")]), None, "redirect-307-methods"),
    # OPTIONS is redirected too, but carries no write: a CORS behavior is not flagged
    (
        "redirect-with-options",
        secure([behavior("/api/*", "redirect-to-https", allowed=GET_HEAD_OPTIONS)]),
        None, "redirect-307-methods",
    ),
    ("https-only-with-all-methods", secure([behavior("/api/*", allowed=ALL_METHODS)]), None, "redirect-307-methods"),
    (
        "match-viewer-behind-https",
        secure([behavior("/app/*", "redirect-to-https")], origins=[custom_origin(policy="match-viewer")]),
        None, "http-to-origin",
    ),
    ("s3-origin", distribution_config(origins=[s3_origin()]), None, "http-to-origin"),
    ("origin-tls-1-2-only", secure(origins=[custom_origin(ssl=("TLSv1.2",))]), None, "weak-origin-tls"),
    # an http-only origin uses no TLS at all: http-to-origin is the finding, not weak-origin-tls
    (
        "http-only-origin-with-old-protocols",
        secure(origins=[custom_origin(policy="http-only", ssl=("TLSv1", "TLSv1.1", "TLSv1.2"))]),
        None, "weak-origin-tls",
    ),
    (
        "wildcard-and-apex-covered",
        secure(aliases=["example.com", "www.example.com"], ViewerCertificate=acm()),
        ["example.com", "*.example.com"], "alias-not-covered",
    ),
    (
        "certificate-names-unknown",
        secure(aliases=["anything.example.org"], ViewerCertificate=acm()),
        None, "alias-not-covered",
    ),
    ("custom-certificate-with-aliases", secure(aliases=["www.example.com"], ViewerCertificate=acm()), None,
     "default-certificate-with-aliases"),
    ("default-certificate-without-aliases", secure(), None, "default-certificate-with-aliases"),
    ("tls-1-2-2021", secure(ViewerCertificate=acm("TLSv1.2_2021")), None, "weak-viewer-tls"),
    ("tls-1-3", secure(ViewerCertificate=acm("TLSv1.3_2025")), None, "weak-viewer-tls"),
    # a custom certificate sent without a security policy is held with TLSv1.2_2021 (defaults.py)
    (
        "weak-viewer-tls-unset",
        secure(ViewerCertificate={"IAMCertificateId": "ASCAEXAMPLE", "SSLSupportMethod": "sni-only"}),
        None, "weak-viewer-tls",
    ),
    ("default-certificate-is-tls-v1", secure(), None, "weak-viewer-tls"),
    ("valid-pattern", secure([behavior("/images/a_b-c~$@:+&'\".jpg")]), None, "invalid-path-pattern"),
    ("distinct-patterns", secure([behavior("/a/*"), behavior("/a*")]), None, "duplicate-path-pattern"),
]  # fmt: skip

ALL_CODES = {
    "allows-http", "shadowed-behavior", "missing-origin", "redirect-307-methods", "http-to-origin",
    "weak-origin-tls", "alias-not-covered", "default-certificate-with-aliases", "weak-viewer-tls",
    "invalid-path-pattern", "duplicate-path-pattern",
}  # fmt: skip


class TestEveryCode:
    @pytest.mark.parametrize(
        "config, names, code, severity, path_pattern, origin_id",
        [case[1:] for case in TRIGGERS],
        ids=[case[0] for case in TRIGGERS],
    )
    def test_it_reports(self, config, names, code, severity, path_pattern, origin_id):
        found = codes(checklist.check(config, certificate_names=names), code)
        assert found, f"no {code} finding"
        assert (found[0].severity, found[0].path_pattern, found[0].origin_id) == (severity, path_pattern, origin_id)
        assert found[0].message and "\n" not in found[0].message

    @pytest.mark.parametrize(
        "config, names, code", [case[1:] for case in NEAR_MISSES], ids=[case[0] for case in NEAR_MISSES]
    )
    def test_it_does_not_report_the_near_miss(self, config, names, code):
        assert codes(checklist.check(config, certificate_names=names), code) == []

    def test_every_code_has_a_trigger_and_a_near_miss(self):
        assert {case[3] for case in TRIGGERS} == ALL_CODES
        assert {case[3] for case in NEAR_MISSES} == ALL_CODES

    def test_a_secure_config_has_no_findings(self):
        config = secure([behavior("/images/*"), behavior("/api/*", "redirect-to-https")], ViewerCertificate=acm())
        assert checklist.check(config, certificate_names=["*.example.com"]) == []


class TestMessages:
    def test_shadowing_names_only_the_behaviors_that_catch_its_paths(self):
        config = secure([behavior("/css/*"), behavior("/images/*"), behavior("/images/a.jpg")])
        (finding,) = codes(checklist.check(config), "shadowed-behavior")
        assert "'/images/*'" in finding.message and "/css/" not in finding.message

    def test_a_union_names_every_needed_behavior(self):
        config = secure([behavior("/"), behavior("/?"), behavior("/??*"), behavior("/x")])
        findings = codes(checklist.check(config), "shadowed-behavior")
        assert [f.path_pattern for f in findings] == ["/x", "*"]
        assert "'/'" in findings[1].message and "'/?'" in findings[1].message and "'/??*'" in findings[1].message
        assert "'/x'" not in findings[1].message  # itself shadowed: it catches nothing

    def test_redirect_307_names_the_methods_and_recommends_https_only(self):
        config = secure([behavior("/api/*", "redirect-to-https", allowed=ALL_METHODS)])
        (finding,) = codes(checklist.check(config), "redirect-307-methods")
        assert "DELETE, PATCH, POST, PUT" in finding.message and "OPTIONS" not in finding.message
        assert "307" in finding.message and "unencrypted" in finding.message and "HTTPS Only" in finding.message

    def test_each_uncovered_alias_is_its_own_finding(self):
        config = secure(aliases=["example.com", "www.example.com", "a.b.example.com"], ViewerCertificate=acm())
        found = codes(checklist.check(config, certificate_names=["*.example.com"]), "alias-not-covered")
        assert [f.alias for f in found] == ["example.com", "a.b.example.com"]

    def test_weak_origin_tls_names_the_protocols(self):
        config = secure(origins=[custom_origin(ssl=("SSLv3", "TLSv1.2"))])
        (finding,) = codes(checklist.check(config), "weak-origin-tls")
        assert "SSLv3" in finding.message and finding.path_pattern is None

    def test_a_duplicate_is_not_also_reported_shadowed(self):
        findings = checklist.check(secure([behavior("/a/*"), behavior("/a/*")]))
        assert [f.code for f in findings] == ["duplicate-path-pattern"]

    def test_as_dict_has_the_documented_fields(self):
        (finding,) = checklist.check(secure([behavior("/api/*", "allow-all")]))
        assert finding.as_dict() == {
            "code": "allows-http",
            "severity": "warning",
            "path_pattern": "/api/*",
            "origin_id": None,
            "message": finding.message,
            "alias": None,
        }


class TestOrder:
    def test_findings_follow_precedence_then_code_then_origins_then_certificate(self):
        config = distribution_config(
            [
                behavior("/b/*", "allow-all", origin_id="gone"),
                behavior("/a/*", "redirect-to-https", allowed=ALL_METHODS),
                behavior("/a/x"),
            ],
            origins=[custom_origin(ssl=("TLSv1",))],
            aliases=["www.example.com"],
        )
        assert [(f.path_pattern or f.origin_id, f.code) for f in checklist.check(config)] == [
            ("/b/*", "allows-http"),
            ("/b/*", "missing-origin"),
            ("/a/*", "redirect-307-methods"),
            ("/a/x", "shadowed-behavior"),
            ("*", "allows-http"),
            ("origin-main", "weak-origin-tls"),
            (None, "default-certificate-with-aliases"),
        ]

    def test_it_is_stable(self):
        config = distribution_config([behavior("/x/*", "allow-all"), behavior("/x/y")])
        assert checklist.check(config) == checklist.check(config)


class TestCovers:
    @pytest.mark.parametrize(
        "name, domain, expected",
        [
            ("www.example.com", "www.example.com", True),
            ("WWW.Example.com", "www.example.COM", True),
            ("*.example.com", "www.example.com", True),
            ("*.example.com", "example.com", False),
            ("*.example.com", "a.b.example.com", False),
            ("*.example.com", "*.example.com", True),
            ("www.example.com", "*.example.com", False),
            ("*.example.com", "wwwexample.com", False),
            ("example.com", "www.example.com", False),
        ],
    )
    def test_a_wildcard_covers_exactly_one_label(self, name, domain, expected):
        assert covers([name], domain) is expected


class TestShadowing:
    @pytest.mark.parametrize(
        "pattern, earlier, expected",
        [
            ("/images/a.jpg", ["/images/*"], ["/images/*"]),
            ("images/a.jpg", ["/images/*"], ["/images/*"]),
            ("/images/*.jpg", ["/images/*"], ["/images/*"]),
            ("/images/*", ["/images/*.jpg"], None),
            ("/a?c", ["/a*", "/x"], ["/a*"]),
            ("/a*", ["/ab*"], None),
            ("*", ["/", "/?", "/??*"], ["/", "/?", "/??*"]),
            ("*", ["/?", "/??*"], None),  # "/" gets through
            ("/??", ["/a?", "/?a"], None),  # "/bb" gets through
            ("/a**b", ["/a*b"], ["/a*b"]),
            ("/*", ["*"], ["*"]),
            ("/x", [], None),
        ],
    )
    def test_it_decides_inclusion_exactly(self, pattern, earlier, expected):
        assert shadowing.shadowed_by(pattern, earlier) == expected

    def test_a_witness_is_a_path_only_the_pattern_catches(self):
        assert shadowing.witness("*", ["/?", "/??*"]) == "/"
        path = shadowing.witness("/??", ["/a?", "/?a"])
        assert patterns.matches("/??", path) and not patterns.matches("/a?", path) and not patterns.matches("/?a", path)

    def test_the_witness_spells_other_characters_with_one_no_pattern_names(self):
        path = shadowing.witness("/?", ["/x", "/y", "/a"])
        assert path is not None and path[1] not in "xya?#"

    def test_twenty_five_awkward_patterns_are_checked_quickly(self):
        awkward = [f"/*{'?' * (i % 7)}{'ab'[i % 2]}*{'?' * (i % 5)}" for i in range(25)]
        config = secure([behavior(p) for p in dict.fromkeys(awkward)])
        started = time.monotonic()
        checklist.check(config)
        assert time.monotonic() - started < 5


# Hypothesis: patterns and paths over a tiny alphabet, so that patterns collide often.
PATTERN = st.text(alphabet="ab/*?.", min_size=1, max_size=5).filter(lambda p: p != "*")  # "*" alone names the default
PATH = st.text(alphabet="ab/*.x", max_size=7).map(lambda p: "/" + p)
SHORT_PATHS = ["/" + "".join(chars) for n in range(5) for chars in itertools.product("ab/.x", repeat=n)]


def behaviors_config(pattern_list):
    return secure([behavior(p) for p in pattern_list])


def shadowed_patterns(config):
    return {f.path_pattern for f in checklist.check(config) if f.code == "shadowed-behavior"}


class TestShadowingProperties:
    @settings(max_examples=300, deadline=None)
    @given(st.lists(PATTERN, max_size=5), st.lists(PATH, min_size=1, max_size=20))
    def test_a_behavior_reported_shadowed_never_wins(self, pattern_list, paths):
        config = behaviors_config(pattern_list)
        shadowed = shadowed_patterns(config)
        for path in paths:
            winner, _ = viewer.match(config, path)
            assert winner.path_pattern not in shadowed, (path, winner.path_pattern)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(PATTERN, max_size=5))
    def test_a_behavior_not_reported_shadowed_wins_its_witness(self, pattern_list):
        config = behaviors_config(pattern_list)
        findings = checklist.check(config)
        shadowed = {f.path_pattern for f in findings if f.code == "shadowed-behavior"}
        duplicates = {f.path_pattern for f in findings if f.code == "duplicate-path-pattern"}
        seen = []
        for index, pattern in enumerate(pattern_list + ["*"]):
            is_default = index == len(pattern_list)
            is_duplicate = not is_default and patterns.normalize(pattern) in {patterns.normalize(p) for p in seen}
            earlier, seen = list(seen), seen + [pattern]
            if is_duplicate:
                assert pattern in duplicates
                continue
            path = shadowing.witness(pattern, earlier)
            assert (path is None) == (pattern in shadowed)
            if path is not None:
                winner, _ = viewer.match(config, path)
                assert winner.precedence == index, (path, winner.path_pattern)

    @settings(max_examples=300, deadline=None)
    @given(PATTERN, st.lists(PATTERN, max_size=4), st.lists(PATH, max_size=20))
    def test_shadowed_means_every_path_of_the_pattern_is_caught_earlier(self, pattern, earlier, paths):
        if shadowing.witness(pattern, earlier) is None:
            for path in paths:
                if patterns.matches(pattern, path):
                    assert any(patterns.matches(p, path) for p in earlier), path

    @settings(max_examples=100, deadline=None)
    @given(PATTERN, st.lists(PATTERN, max_size=4))
    def test_it_agrees_with_trying_every_short_path(self, pattern, earlier):
        escapes = [
            path
            for path in SHORT_PATHS
            if patterns.matches(pattern, path) and not any(patterns.matches(p, path) for p in earlier)
        ]
        if shadowing.witness(pattern, earlier) is None:
            assert escapes == []
        else:
            # the witness is as short as possible: no shorter path escapes
            assert all(len(path) >= len(shadowing.witness(pattern, earlier)) for path in escapes)


class TestDiffFindings:
    def test_a_fix_removes_its_finding(self):
        before = checklist.check(secure([behavior("/api/*", "allow-all")]))
        after = checklist.check(secure([behavior("/api/*", "redirect-to-https")]))
        added, removed = checklist.diff_findings(before, after)
        assert added == [] and [(f.code, f.path_pattern) for f in removed] == [("allows-http", "/api/*")]

    def test_a_new_problem_is_added(self):
        before = checklist.check(secure([behavior("/api/*")]))
        after = checklist.check(secure([behavior("/api/*", "redirect-to-https", allowed=ALL_METHODS)]))
        added, removed = checklist.diff_findings(before, after)
        assert [(f.code, f.path_pattern) for f in added] == [("redirect-307-methods", "/api/*")] and removed == []

    def test_a_reworded_message_is_not_a_change(self):
        finding = checklist.Finding("allows-http", "warning", "*", None, "old words")
        reworded = checklist.Finding("allows-http", "warning", "*", None, "new words")
        assert checklist.diff_findings([finding], [reworded]) == ([], [])

    def test_findings_about_different_subjects_are_different(self):
        config = secure(aliases=["a.example.com", "b.example.org"], ViewerCertificate=acm())
        before = checklist.check(config, certificate_names=["a.example.com"])
        after = checklist.check(config, certificate_names=["b.example.org"])
        added, removed = checklist.diff_findings(before, after)
        assert [f.alias for f in added] == ["a.example.com"] and [f.alias for f in removed] == ["b.example.org"]

    def test_same_code_on_another_behavior_is_a_change(self):
        before = checklist.check(secure([behavior("/a/*", "allow-all"), behavior("/b/*")]))
        after = checklist.check(secure([behavior("/a/*"), behavior("/b/*", "allow-all")]))
        added, removed = checklist.diff_findings(before, after)
        assert [f.path_pattern for f in added] == ["/b/*"] and [f.path_pattern for f in removed] == ["/a/*"]


class TestCheckIsKeptByContent:
    """``check`` keeps the findings of recent configs by their content: never stale, never shared."""

    def test_an_equal_config_gets_the_same_findings_and_a_changed_one_its_own(self):
        config = distribution_config([("/api/*", "allow-all"), ("/api/v1/*", "allow-all")])
        first = checklist.check(config)
        assert "shadowed-behavior" in [f.code for f in first]
        assert checklist.check(copy.deepcopy(config)) == first
        config["CacheBehaviors"]["Items"].reverse()  # the same dict, changed in place: checked again
        assert "shadowed-behavior" not in [f.code for f in checklist.check(config)]

    def test_the_caller_may_change_the_list_it_gets(self):
        config = distribution_config([("/a/*", "allow-all")])
        checklist.check(config).clear()
        assert checklist.check(config) != []

    def test_a_config_that_is_not_plain_json_is_still_checked(self):
        config = distribution_config([("/a/*", "allow-all")])
        config["Comment"] = datetime.date(2026, 11, 30)  # marshal cannot write it: checked without the memo
        assert checklist.check(config) == checklist.check(distribution_config([("/a/*", "allow-all")]))
