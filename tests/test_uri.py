"""The canonical path of a request (``cloudfront.uri``): one path to match and to forward."""

from urllib.parse import unquote, unquote_to_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distributions.cloudfront import patterns
from distributions.cloudfront.uri import TargetError, canonical_path, canonical_query, split_target


class TestCanonicalPath:
    @pytest.mark.parametrize(
        "raw, canonical",
        [
            ("/", "/"),
            ("/images/a.jpg", "/images/a.jpg"),
            ("/images/", "/images/"),
            # RFC 3986: unreserved characters decoded, dot segments removed
            ("/%61dmin/x", "/admin/x"),
            ("/%7Euser/%2d%2E%5f", "/~user/-._"),
            ("/public/../admin/x", "/admin/x"),
            ("/./admin/x", "/admin/x"),
            ("/a/b/./../c", "/a/c"),
            ("/../../a", "/a"),
            ("/a/..", "/"),
            ("/a/b/..", "/a/"),
            ("/a/.", "/a/"),
            # multiple slashes, as CloudFront removes them
            ("//admin/x", "/admin/x"),
            ("/a//b///c", "/a/b/c"),
            # the safe rules: an encoded slash is a slash; dots decoded before segments go
            ("/admin%2fx", "/admin/x"),
            ("/admin%2Fx", "/admin/x"),
            ("/x/%2e%2e/admin", "/admin"),
            ("/x%2f..%2fadmin", "/admin"),
            # characters patterns may name are decoded; the others stay encoded, upper case
            ("/a%26b%24%40%3A%2B", "/a&b$@:+"),
            ("/say%22hi%22", '/say"hi"'),
            ("/a%20b", "/a%20b"),
            ("/a%3fb%23c%25d", "/a%3Fb%23c%25d"),
            ("/caf%c3%a9", "/caf%C3%A9"),
            ("/café", "/caf%C3%A9"),
            ("/a%00b", "/a%00b"),
            ("/a\\b", "/a%5Cb"),
        ],
    )
    def test_it_normalizes_like_cloudfront_and_the_safe_rules(self, raw, canonical):
        assert canonical_path(raw.encode("utf-8")) == canonical
        assert canonical_path(raw) == canonical

    @pytest.mark.parametrize("raw", [b"", b"a/b", b"*", b"*@127.0.0.1:8620/healthz", b"/a%zz", b"/a%2", b"/%"])
    def test_malformed_paths_have_none(self, raw):
        assert canonical_path(raw) is None

    def test_a_pathological_path_costs_little(self):
        assert canonical_path(b"/" + b"../" * 5000 + b"x") == "/x"


@given(st.binary(max_size=80).map(lambda b: b"/" + b))
def test_the_canonical_path_is_a_fixed_point(raw):
    path = canonical_path(raw)
    if path is not None:
        assert canonical_path(path) == path
        assert path.isascii() and path.startswith("/")


@given(st.text(alphabet="ab/.%2eEfF", max_size=40).map(lambda s: "/" + s))
def test_the_canonical_path_has_no_dot_or_empty_segment(raw):
    path = canonical_path(raw)
    if path is not None:
        segments = unquote(path).split("/")[1:-1]
        assert "" not in segments and "." not in segments and ".." not in segments


# No "5" in the alphabet: "%25" would decode to a "%" that only a second decoding reads again.
@given(st.text(alphabet="ab/.%2eEfF61", max_size=30).map(lambda s: "/" + s), st.sampled_from(["/ab/*", "/a*b", "*.b"]))
def test_what_the_origin_decodes_matches_as_the_canonical_path_does(raw, pattern):
    """An origin that decodes the canonical path and normalizes it sees the same path the
    behavior was chosen on: the bypasses of issue #12 cannot happen."""
    path = canonical_path(raw)
    if path is not None:
        decoded = canonical_path(unquote_to_bytes(path))
        assert decoded == path
        assert patterns.matches(pattern, decoded) == patterns.matches(pattern, path)


class TestCanonicalQuery:
    def test_it_keeps_escapes_and_encodes_what_cannot_stand_in_a_url(self):
        assert canonical_query(b"a=1&b=%20x") == "a=1&b=%20x"
        assert canonical_query("q=a b#c") == "q=a%20b%23c"
        assert canonical_query(b"") == ""


class TestSplitTarget:
    @pytest.mark.parametrize(
        "target, parts",
        [
            (b"/a/b?x=1", (None, b"/a/b", b"x=1")),
            (b"/a#frag", (None, b"/a", b"")),
            (b"http://d1.cloudfront.net/a?q", (b"d1.cloudfront.net", b"/a", b"q")),
            (b"HTTPS://d1.cloudfront.net:8443", (b"d1.cloudfront.net:8443", b"/", b"")),
            (b"http://d1.cloudfront.net?q=1", (b"d1.cloudfront.net", b"/", b"q=1")),
        ],
    )
    def test_it_splits_origin_and_absolute_forms(self, target, parts):
        assert split_target(target) == parts

    @pytest.mark.parametrize(
        "target", [b"*", b"*@127.0.0.1:8620/healthz", b"127.0.0.1:80", b"ftp://h/a", b"http:///a", b"http://u@h/a"]
    )
    def test_it_refuses_the_rest(self, target):
        with pytest.raises(TargetError):
            split_target(target)
