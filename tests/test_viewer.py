"""What a viewer gets: today's table in cloudfront-facts.md (307 for HTTP/1.1+ writes, 403 below)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distributions.cloudfront import viewer

from .factories import ALL_METHODS, GET_HEAD, GET_HEAD_OPTIONS, distribution_config

HOST = "d111111abcdef8.cloudfront.net"
SAFE = ("GET", "HEAD")
UNSAFE = ("DELETE", "OPTIONS", "PATCH", "POST", "PUT")


def single_policy(policy, allowed=ALL_METHODS):
    """Every path goes to one behavior (the default) with ``policy`` and ``allowed`` methods."""
    config = distribution_config(default_policy=policy)
    config["DefaultCacheBehavior"]["AllowedMethods"] = {
        "Quantity": len(allowed),
        "Items": list(allowed),
        "CachedMethods": {"Quantity": 2, "Items": list(GET_HEAD)},
    }
    return config


def decision_table():
    """(policy, scheme, method, HTTP version, status) for every cell of the table, all seven methods allowed."""
    rows = []
    for method in SAFE + UNSAFE:
        for version in ("1.0", "1.1", "2", "3"):
            redirected = 301 if method in SAFE else (403 if version == "1.0" else 307)
            rows += [
                ("allow-all", "https", method, version, 200),
                ("allow-all", "http", method, version, 200),
                ("redirect-to-https", "https", method, version, 200),
                ("redirect-to-https", "http", method, version, redirected),
                ("https-only", "https", method, version, 200),
                ("https-only", "http", method, version, 403),
            ]
    return rows


class TestDecide:
    @pytest.mark.parametrize("policy, scheme, method, version, status", decision_table())
    def test_it_follows_todays_table(self, policy, scheme, method, version, status):
        config = single_policy(policy)
        decision = viewer.decide(config, method, scheme, HOST, "/index.html", http_version=version)
        assert decision.status == status
        assert decision.viewer_protocol_policy == policy
        assert viewer.CompiledConfig(config).decide(method, scheme, HOST, "/index.html", http_version=version) == (
            decision
        )

    @pytest.mark.parametrize("method", UNSAFE)
    def test_a_write_over_http_1_1_gets_a_307_to_the_https_url(self, method):
        decision = viewer.decide(single_policy("redirect-to-https"), method, "http", HOST, "/api/items", "a=1")
        assert (decision.status, decision.outcome) == (307, "redirect")
        assert decision.location == f"https://{HOST}/api/items?a=1"
        assert "307" in decision.reason and "unencrypted" in decision.reason

    def test_a_write_over_http_1_0_gets_403_and_no_location(self):
        decision = viewer.decide(single_policy("redirect-to-https"), "POST", "http", HOST, "/a", http_version="1.0")
        assert (decision.status, decision.location) == (403, None)
        assert "HTTP/1.0" in decision.reason

    def test_the_version_defaults_to_http_1_1(self):
        assert viewer.decide(single_policy("redirect-to-https"), "PUT", "http", HOST, "/a").status == 307

    @pytest.mark.parametrize(
        "given, number", [("HTTP/1.1", "1.1"), ("http/2", "2"), ("2.0", "2"), ("1.0", "1.0"), (None, "1.1")]
    )
    def test_it_reads_http_versions(self, given, number):
        assert viewer.http_version_number(given) == number

    @pytest.mark.parametrize("given", ["1.2", "HTTP/4", "spdy"])
    def test_it_refuses_what_is_not_an_http_version(self, given):
        with pytest.raises(ValueError):
            viewer.http_version_number(given)

    @pytest.mark.parametrize(
        "policy, scheme, method, allowed, status",
        [
            # "Served" still needs the method in AllowedMethods
            ("allow-all", "https", "POST", GET_HEAD, 403),
            ("allow-all", "http", "POST", GET_HEAD, 403),
            ("allow-all", "http", "POST", ALL_METHODS, 200),
            ("allow-all", "https", "OPTIONS", GET_HEAD, 403),
            ("allow-all", "https", "OPTIONS", GET_HEAD_OPTIONS, 200),
            ("allow-all", "https", "PUT", GET_HEAD_OPTIONS, 403),
            ("allow-all", "http", "HEAD", GET_HEAD, 200),
            ("redirect-to-https", "https", "POST", GET_HEAD, 403),
            ("redirect-to-https", "https", "DELETE", GET_HEAD_OPTIONS, 403),
            ("redirect-to-https", "https", "DELETE", ALL_METHODS, 200),
            ("redirect-to-https", "http", "GET", GET_HEAD, 301),
            # the protocol comes first: the 307 sends the viewer to HTTPS, where OPTIONS is served
            ("redirect-to-https", "http", "OPTIONS", GET_HEAD_OPTIONS, 307),
            ("https-only", "https", "POST", GET_HEAD, 403),
            ("https-only", "https", "PATCH", ALL_METHODS, 200),
            ("https-only", "https", "GET", GET_HEAD, 200),
        ],
    )
    def test_it_forbids_methods_outside_allowed_methods(self, policy, scheme, method, allowed, status):
        decision = viewer.decide(single_policy(policy, allowed), method, scheme, HOST, "/api/items")
        assert decision.status == status

    def test_it_treats_missing_allowed_methods_as_get_and_head(self):
        config = distribution_config()
        del config["DefaultCacheBehavior"]["AllowedMethods"]
        assert viewer.decide(config, "GET", "https", HOST, "/").status == 200
        assert viewer.decide(config, "POST", "https", HOST, "/").status == 403

    @pytest.mark.parametrize("method, scheme", [("get", "HTTP"), ("Get", "Http"), ("GET", "http")])
    def test_it_ignores_the_case_of_method_and_scheme(self, method, scheme):
        decision = viewer.decide(single_policy("redirect-to-https"), method, scheme, HOST, "/a")
        assert decision.status == 301

    @pytest.mark.parametrize(
        "policy, outcome", [("allow-all", "served"), ("redirect-to-https", "redirect"), ("https-only", "forbidden")]
    )
    def test_its_outcome_names_the_status(self, policy, outcome):
        decision = viewer.decide(single_policy(policy), "GET", "http", HOST, "/a")
        assert decision.outcome == outcome
        assert decision.as_dict()["outcome"] == outcome

    def test_a_served_request_names_its_origin_and_has_no_location(self):
        decision = viewer.decide(single_policy("allow-all"), "GET", "http", HOST, "/a")
        assert decision.target_origin_id == "origin-main"
        assert decision.location is None

    def test_a_forbidden_request_has_no_location(self):
        decision = viewer.decide(single_policy("https-only"), "GET", "http", HOST, "/a")
        assert decision.location is None


class TestRedirectLocation:
    @pytest.mark.parametrize(
        "host, path, query, https_port, location",
        [
            (HOST, "/index.html", "", None, f"https://{HOST}/index.html"),
            (HOST, "/images/a.jpg", "size=2&x=y", None, f"https://{HOST}/images/a.jpg?size=2&x=y"),
            ("www.example.com", "/", "", None, "https://www.example.com/"),
            ("www.example.com", "/a/b/", "q", 443, "https://www.example.com/a/b/?q"),
            ("localhost", "/a", "b=1", 8443, "https://localhost:8443/a?b=1"),
            ("localhost", "/a", "", 8443, "https://localhost:8443/a"),
        ],
    )
    def test_it_keeps_host_path_and_query(self, host, path, query, https_port, location):
        config = single_policy("redirect-to-https")
        decision = viewer.decide(config, "GET", "http", host, path, query, https_port=https_port)
        assert decision.status == 301
        assert decision.location == location

    def test_decide_url_splits_the_url(self):
        config = single_policy("redirect-to-https")
        decision = viewer.decide_url(config, "HEAD", f"http://{HOST}/images/a.jpg?x=1")
        assert decision.status == 301
        assert decision.location == f"https://{HOST}/images/a.jpg?x=1"


class TestMatch:
    def test_the_first_match_in_list_order_wins(self):
        config = distribution_config(
            [("/images/*.jpg", "https-only"), ("/images/*", "redirect-to-https"), ("*.jpg", "allow-all")]
        )
        behavior, tried = viewer.match(config, "/images/a.jpg")
        assert behavior.path_pattern == "/images/*.jpg"
        assert tried == ["/images/*.jpg"]

        behavior, tried = viewer.match(config, "/images/a.png")
        assert behavior.path_pattern == "/images/*"
        assert tried == ["/images/*.jpg", "/images/*"]

        behavior, tried = viewer.match(config, "/css/a.jpg")
        assert behavior.path_pattern == "*.jpg"
        assert tried == ["/images/*.jpg", "/images/*", "*.jpg"]

    def test_the_order_of_the_list_decides_not_specificity(self):
        config = distribution_config([("/images/*", "redirect-to-https"), ("/images/*.jpg", "https-only")])
        behavior, _ = viewer.match(config, "/images/a.jpg")
        assert behavior.path_pattern == "/images/*"
        assert behavior.precedence == 0

    def test_the_default_behavior_catches_the_rest(self):
        config = distribution_config([("/images/*", "https-only"), ("/css/*", "https-only")])
        behavior, tried = viewer.match(config, "/js/app.js")
        assert behavior.is_default
        assert behavior.path_pattern == "*"
        assert behavior.precedence == 2
        assert tried == ["/images/*", "/css/*", "*"]

    def test_a_distribution_without_cache_behaviors_uses_the_default(self):
        behavior, tried = viewer.match(distribution_config(), "/anything")
        assert behavior.is_default
        assert tried == ["*"]

    @pytest.mark.parametrize(
        "path, pattern",
        [
            ("/images/a.jpg?v=1", "images/*.jpg"),
            ("/images/a.png?x=a.jpg", "*"),  # the query is not part of the match
            ("/Images/a.jpg", "*"),  # case-sensitive
            ("/images/a.jpg", "images/*.jpg"),
        ],
    )
    def test_it_matches_the_path_without_its_query(self, path, pattern):
        config = distribution_config([("images/*.jpg", "https-only")])
        behavior, _ = viewer.match(config, path)
        assert behavior.path_pattern == pattern

    def test_a_path_starting_with_two_slashes_is_matched_as_it_is(self):
        # urlsplit would read "//images" as a host and match "/a.jpg" instead.
        config = distribution_config([("/a.jpg", "https-only")])
        behavior, _ = viewer.match(config, "//images/a.jpg")
        assert behavior.path_pattern == "*"


class TestDecisionReport:
    def test_path_pattern_is_the_pattern_as_written(self):
        config = distribution_config([("images/*", "https-only")])
        decision = viewer.decide(config, "GET", "https", HOST, "/images/a.jpg")
        assert decision.path_pattern == "images/*"
        assert decision.precedence == 0
        assert decision.as_dict()["path_pattern"] == "images/*"

    def test_path_pattern_is_a_star_for_the_default(self):
        config = distribution_config([("images/*", "https-only")])
        decision = viewer.decide(config, "GET", "https", HOST, "/index.html")
        assert decision.path_pattern == "*"
        assert decision.precedence == 1

    def test_patterns_tried_lists_the_patterns_in_order_winner_last(self):
        config = distribution_config(
            [("/api/*", "https-only"), ("images/*", "redirect-to-https"), ("/css/*", "allow-all")]
        )
        decision = viewer.decide(config, "GET", "http", HOST, "/css/site.css")
        assert decision.as_dict()["patterns_tried"] == ["/api/*", "images/*", "/css/*"]
        assert decision.viewer_protocol_policy == "allow-all"

        decision = viewer.decide(config, "GET", "http", HOST, "/js/app.js")
        assert decision.as_dict()["patterns_tried"] == ["/api/*", "images/*", "/css/*", "*"]

    def test_the_matched_behavior_decides_the_status(self):
        config = distribution_config([("/images/*", "https-only")], default_policy="redirect-to-https")
        assert viewer.decide(config, "GET", "http", HOST, "/images/a.jpg").status == 403
        assert viewer.decide(config, "GET", "http", HOST, "/index.html").status == 301


# Properties

path_characters = st.characters(codec="ascii", categories=("L", "N", "P", "S"), exclude_characters="?#")
request_paths = st.text(alphabet=path_characters, max_size=60).map(lambda s: "/" + s)
query_characters = st.characters(codec="ascii", categories=("L", "N", "P", "S"), exclude_characters="#")
queries = st.text(alphabet=query_characters, max_size=40)
hosts = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]{1,10}){0,3}\Z")


@given(hosts, request_paths, queries)
def test_a_redirect_keeps_host_path_and_query(host, path, query):
    config = distribution_config(
        [("/images/*", "redirect-to-https"), ("*.css", "redirect-to-https")], default_policy="redirect-to-https"
    )
    decision = viewer.decide(config, "GET", "http", host, path, query)
    assert decision.status == 301
    assert decision.location == "https://" + host + path + ("?" + query if query else "")


@given(request_paths)
def test_the_default_behavior_catches_what_no_pattern_matches(path):
    config = distribution_config([("/images/*", "https-only"), ("*.css", "https-only")])
    behavior, tried = viewer.match(config, path)
    assert tried[-1] == behavior.path_pattern
    assert behavior.is_default is not (path.startswith("/images/") or path.endswith(".css"))
