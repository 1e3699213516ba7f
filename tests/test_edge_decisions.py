"""The edge's precompiled decisions agree with ``viewer.decide`` (the reference table)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distributions.cloudfront import viewer
from distributions.sandbox.edge.cache import CachedObject, CacheRule, EdgeCache, cache_rule, ttl_for
from distributions.sandbox.edge.index import EdgeDistribution, split_host
from distributions.sandbox.fixtures import sandbox_configs

from .factories import ALL_METHODS, GET_HEAD, GET_HEAD_OPTIONS, distribution_config

HOST = "d111111abcdef8.cloudfront.net"
SEGMENTS = st.sampled_from(["a", "b", "img", "images", "api", "v1", "x.jpg", "y.png", "", "?"])
PATTERNS = st.lists(SEGMENTS, min_size=1, max_size=4).map(lambda parts: "/".join(parts)) | st.sampled_from(
    ["*", "/*", "*.jpg", "/images/*", "images/*.png", "/a?/*", "/api/v1/*", "?"]
)
PATHS = st.lists(SEGMENTS.filter(lambda s: s != "?"), min_size=0, max_size=4).map(lambda p: "/" + "/".join(p))
POLICIES = st.sampled_from(["allow-all", "redirect-to-https", "https-only"])
METHOD_SETS = st.sampled_from([GET_HEAD, GET_HEAD_OPTIONS, ALL_METHODS])


@st.composite
def configs(draw):
    patterns = draw(st.lists(PATTERNS, max_size=8, unique=True))
    behaviors = [(p, draw(POLICIES), draw(METHOD_SETS)) for p in patterns if p.strip("/?")]
    return distribution_config(behaviors, default_policy=draw(POLICIES))


@settings(max_examples=300, deadline=None)
@given(
    configs(),
    PATHS,
    st.sampled_from(viewer.METHODS),
    st.sampled_from(["http", "https"]),
    st.sampled_from(["", "v=1"]),
    st.sampled_from([None, 443, 8443]),
)
def test_compiled_decide_equals_decide(config, path, method, scheme, query, https_port):
    expected = viewer.decide(config, method, scheme, HOST, path, query, https_port)
    compiled = viewer.CompiledConfig(config)
    assert compiled.decide(method, scheme, HOST, path, query, https_port) == expected
    assert compiled.verdict(method, scheme, path) == (expected.status, expected.precedence)
    route = EdgeDistribution.build("E1", HOST, config).route
    assert route(method, scheme, path.encode()) == (expected.status, expected.precedence)
    assert route(method, scheme, path.encode()) == (expected.status, expected.precedence)  # memoized


def test_the_sandbox_configs_decide_alike():
    for config in sandbox_configs():
        compiled = viewer.CompiledConfig(config)
        for path in ("/", "/api/x", "/blog/wp-admin/a", "/x.php", "/product/1/reviews", "/img/a.png", "/health"):
            for method in viewer.METHODS:
                for scheme in ("http", "https"):
                    assert compiled.decide(method, scheme, HOST, path) == viewer.decide(
                        config, method, scheme, HOST, path
                    )


def test_a_path_with_query_or_fragment_matches_like_decide():
    config = distribution_config([("/a.jpg", "https-only")])
    compiled = viewer.CompiledConfig(config)
    for path in ("/a.jpg?x=1", "/a.jpg#top", "a.jpg", "//a.jpg"):
        assert compiled.decide("GET", "http", HOST, path) == viewer.decide(config, "GET", "http", HOST, path)


@pytest.mark.parametrize(
    "value, host",
    [
        ("d1.cloudfront.net", "d1.cloudfront.net"),
        ("WWW.Example.com:8080", "www.example.com"),
        ("example.com.", "example.com"),
        ("[::1]:8080", "[::1]"),
        ("127.0.0.1", "127.0.0.1"),
    ],
)
def test_split_host(value, host):
    assert split_host(value) == host


class TestCacheRules:
    def test_managed_policies_and_legacy_ttls(self):
        assert cache_rule({"CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}).default_ttl == 86400
        assert not cache_rule({"CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}).caches
        legacy = cache_rule({"ForwardedValues": {"QueryString": True}, "MinTTL": 0, "DefaultTTL": 30, "MaxTTL": 60})
        assert (legacy.default_ttl, legacy.query_in_key) == (30, True)
        assert cache_rule({"CachePolicyId": "custom-id"}).default_ttl == 60

    @pytest.mark.parametrize(
        "cache_control, ttl",
        [
            (None, 100),
            ("max-age=30", 30),
            ("max-age=5", 10),
            ("max-age=999", 200),
            ("s-maxage=50, max-age=5", 50),
            ("no-store", 10),
            ("private", 10),
        ],
    )
    def test_origin_cache_control_is_bounded_by_the_policy(self, cache_control, ttl):
        assert ttl_for(CacheRule("test", 10, 100, 200, False), cache_control) == ttl

    def test_invalidation_drops_matching_paths_stored_before_it(self):
        cache = EdgeCache()

        def put(path, stored_at):
            cache.put(("E1", path, ""), CachedObject(200, [], b"x", stored_at, float("inf")))

        put("/images/a.jpg", 100.0)
        put("/images/b.jpg", 300.0)
        put("/index.html", 100.0)
        assert cache.invalidate("E1", ["/images/*"], before=200.0) == 1
        assert cache.get(("E1", "/images/b.jpg", "")) is not None
        assert cache.invalidate("E2", ["/*"]) == 0
        assert cache.invalidate("E1", ["/index.html"]) == 1
        assert len(cache) == 1

    def test_the_cache_is_bounded(self):
        cache = EdgeCache(max_entries=2)
        for n in range(3):
            cache.put(("E1", f"/{n}", ""), CachedObject(200, [], b"x", 0.0, float("inf")))
        assert len(cache) == 2
        assert cache.get(("E1", "/0", "")) is None
