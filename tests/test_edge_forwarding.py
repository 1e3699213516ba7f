"""What a behavior forwards, keys on and shares (``edge.policies``, ``edge.forwarding``), and the
cache's bounds (``edge.cache``): pure functions, no sockets."""

import pytest

from distributions.sandbox.edge.cache import CachedObject, EdgeCache, cache_rule
from distributions.sandbox.edge.forwarding import cache_key, origin_headers, origin_query, shareable
from distributions.sandbox.edge.policies import behavior_policy

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
AMPLIFY = "2e54312d-136d-493c-8eb9-b001f22f67d2"
USE_ORIGIN_QUERY = "4cc15a8a-d715-48a4-82b8-cc0b614638fe"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CORS_S3 = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"

VIEWER = [
    (b"host", b"d1.cloudfront.net"),
    (b"user-agent", b"curl/8"),
    (b"accept-language", b"fr"),
    (b"authorization", b"Bearer alice"),
    (b"cookie", b"session=alice; theme=dark"),
    (b"origin", b"https://example.com"),
    (b"x-forwarded-for", b"192.0.2.4,192.0.2.3"),
    (b"x-forwarded-proto", b"https"),
    (b"cloudfront-viewer-country", b"FR"),
    (b"cache-control", b"no-cache"),
]
CONTEXT = {
    "origin_host": b"origin.example.com",
    "client_ip": b"192.0.2.2",
    "via": b"1.1 abc.cloudfront.net (CloudFront)",
    "request_id": b"id",
    "viewer_scheme": b"https",
    "body": False,
}


def forwarding(cache_policy=CACHING_OPTIMIZED, origin_request_policy=None):
    behavior = {"CachePolicyId": cache_policy}
    if origin_request_policy:
        behavior["OriginRequestPolicyId"] = origin_request_policy
    return behavior_policy(behavior)[1]


def legacy(query=False, cookies="none", names=(), headers=()):
    return {
        "ForwardedValues": {
            "QueryString": query,
            "Cookies": {"Forward": cookies, "WhitelistedNames": {"Quantity": len(names), "Items": list(names)}},
            "Headers": {"Quantity": len(headers), "Items": list(headers)},
        },
        "MinTTL": 0,
        "DefaultTTL": 60,
        "MaxTTL": 600,
    }


class TestOriginHeaders:
    def test_caching_optimized_forwards_no_credential_and_no_viewer_header(self):
        sent = dict(origin_headers(forwarding(), VIEWER, CONTEXT))
        assert sent[b"host"] == b"origin.example.com"
        assert sent[b"user-agent"] == b"Amazon CloudFront"
        for name in (b"authorization", b"cookie", b"accept-language", b"origin", b"x-forwarded-proto"):
            assert name not in sent
        assert sent[b"cache-control"] == b"no-cache"
        assert sent[b"cloudfront-forwarded-proto"] == b"https"  # the edge's, not the viewer's CloudFront-*

    def test_x_forwarded_for_gets_the_viewer_address_appended(self):
        sent = origin_headers(forwarding(), VIEWER, CONTEXT)
        assert [v for n, v in sent if n == b"x-forwarded-for"] == [b"192.0.2.4,192.0.2.3,192.0.2.2"]
        alone = origin_headers(forwarding(), [(b"host", b"h")], CONTEXT)
        assert [v for n, v in alone if n == b"x-forwarded-for"] == [b"192.0.2.2"]

    def test_all_viewer_forwards_everything_the_viewer_sent(self):
        sent = dict(origin_headers(forwarding(origin_request_policy=ALL_VIEWER), VIEWER, CONTEXT))
        assert sent[b"host"] == b"d1.cloudfront.net"
        assert sent[b"authorization"] == b"Bearer alice"
        assert sent[b"cookie"] == b"session=alice; theme=dark"
        assert sent[b"user-agent"] == b"curl/8"
        except_host = dict(origin_headers(forwarding(origin_request_policy=ALL_VIEWER_EXCEPT_HOST), VIEWER, CONTEXT))
        assert except_host[b"host"] == b"origin.example.com"

    def test_a_whitelisting_policy_forwards_only_its_headers(self):
        sent = dict(origin_headers(forwarding(origin_request_policy=CORS_S3), VIEWER, CONTEXT))
        assert sent[b"origin"] == b"https://example.com"
        assert b"authorization" not in sent and b"cookie" not in sent

    def test_authorization_goes_where_the_cache_key_holds_it(self):
        sent = dict(origin_headers(forwarding(AMPLIFY), VIEWER, CONTEXT))
        assert sent[b"authorization"] == b"Bearer alice"

    def test_legacy_settings_forward_the_cookies_they_name(self):
        rule = cache_rule(legacy(cookies="whitelist", names=["session"], headers=["Authorization"]))
        sent = dict(origin_headers(rule.forwarding, VIEWER, CONTEXT))
        assert sent[b"cookie"] == b"session=alice"
        assert sent[b"authorization"] == b"Bearer alice"


class TestQueryStrings:
    @pytest.mark.parametrize(
        "behavior, forwarded",
        [
            ({"CachePolicyId": CACHING_OPTIMIZED}, ""),
            ({"CachePolicyId": USE_ORIGIN_QUERY}, "a=1&b=2&a=3"),
            ({"CachePolicyId": CACHING_OPTIMIZED, "OriginRequestPolicyId": ALL_VIEWER}, "a=1&b=2&a=3"),
            (legacy(query=True), "a=1&b=2&a=3"),
            (legacy(query=False), ""),
        ],
    )
    def test_the_origin_gets_the_query_the_policies_name(self, behavior, forwarded):
        assert origin_query(behavior_policy(behavior)[1], "a=1&b=2&a=3") == forwarded

    def test_the_cache_key_holds_only_the_cache_policys_query(self):
        assert cache_key(forwarding(origin_request_policy=ALL_VIEWER), VIEWER, "a=1") == ("", ())
        assert cache_key(forwarding(USE_ORIGIN_QUERY), [], "a=1&b=2")[0] == "a=1&b=2"
        with_keys = legacy(query=True)
        with_keys["ForwardedValues"]["QueryStringCacheKeys"] = {"Quantity": 1, "Items": ["b"]}
        assert cache_key(cache_rule(with_keys).forwarding, [], "a=1&b=2") == ("b=2", ())


class TestCacheKey:
    def test_keyed_headers_and_cookies_are_in_the_key(self):
        _, parts = cache_key(forwarding(AMPLIFY), VIEWER, "")
        assert "h:authorization=Bearer alice" in parts and "c:session=alice" in parts
        rule = cache_rule(legacy(cookies="whitelist", names=["session"]))
        assert cache_key(rule.forwarding, VIEWER, "") == ("", ("c:session=alice",))


class TestShareable:
    def test_a_response_that_sets_a_cookie_is_not_shared(self):
        assert not shareable(forwarding(), [], [(b"Set-Cookie", b"session=new")])
        assert shareable(forwarding(), [], [(b"content-type", b"text/html")])

    def test_forwarded_credentials_outside_the_key_keep_a_response_private(self):
        all_viewer = forwarding(origin_request_policy=ALL_VIEWER)
        assert not shareable(all_viewer, [(b"authorization", b"Bearer alice")], [])
        assert not shareable(all_viewer, [(b"cookie", b"session=alice")], [])
        assert shareable(all_viewer, [(b"user-agent", b"curl")], [])
        assert shareable(forwarding(AMPLIFY), [(b"authorization", b"Bearer alice"), (b"cookie", b"a=1")], [])

    def test_credentials_that_were_not_forwarded_cannot_have_shaped_the_response(self):
        assert shareable(forwarding(), [(b"authorization", b"Bearer alice"), (b"cookie", b"session=a")], [])

    @pytest.mark.parametrize(
        "vary, expected",
        [(b"Accept-Encoding", True), (b"Origin", False), (b"*", False), (b"User-Agent", False), (b"Cookie", True)],
    )
    def test_vary_on_a_forwarded_value_outside_the_key_is_not_shared(self, vary, expected):
        cors = forwarding(origin_request_policy=ALL_VIEWER)
        assert shareable(cors, [], [(b"vary", vary)]) is expected


class TestEdgeCacheBounds:
    @staticmethod
    def entry(size, expires_at=float("inf")):
        return CachedObject(200, [(b"content-type", b"x")], b"x" * size, 0.0, expires_at)

    def test_it_holds_at_most_its_bytes_least_recently_used_out(self):
        cache = EdgeCache(max_bytes=100_000)
        for n in range(10):
            cache.put(("E1", f"/{n}", ""), self.entry(20_000))
        assert cache.bytes <= 100_000
        assert len(cache) == 4
        assert cache.get(("E1", "/9", "")) is not None and cache.get(("E1", "/0", "")) is None

    def test_an_object_over_a_quarter_of_the_cache_is_not_kept(self):
        cache = EdgeCache(max_bytes=100_000)
        cache.put(("E1", "/big", ""), self.entry(30_000))
        assert len(cache) == 0

    def test_expired_objects_leave_without_being_asked_for(self):
        cache = EdgeCache(max_bytes=1_000_000)
        for n in range(5):
            cache.put(("E1", f"/{n}", ""), self.entry(1000, expires_at=10.0 + n))
        cache.put(("E1", "/0", ""), self.entry(1000, expires_at=100.0))  # stored again: the old row is stale
        assert cache.evict_expired(now=12.5) == 2  # /1 and /2; /0 now lives until 100
        assert sorted(key[1] for key in cache._entries) == ["/0", "/3", "/4"]
        assert cache.evict_expired(now=1000.0) == 3
        assert (len(cache), cache.bytes) == (0, 0)

    def test_rows_of_objects_that_left_early_do_not_pile_up(self):
        cache = EdgeCache(max_bytes=50_000)
        for n in range(10_000):
            cache.put(("E1", f"/{n}", ""), self.entry(1000))
        assert len(cache._expiries) <= 2 * len(cache) + 65
