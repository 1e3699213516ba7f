"""A viewer request as its behavior's policies shape it: the cache key, the origin request's
headers and query string, and whether the origin's answer may be shared with other viewers.

Headers the origin gets, after the table "HTTP request headers and CloudFront behavior"
(Developer Guide, "Request and response behavior for custom origins"):

- ``Host``: the origin's domain name, unless a policy forwards the viewer's;
- ``User-Agent``: ``Amazon CloudFront``, unless a policy forwards the viewer's;
- ``X-Forwarded-For``: the viewer's value, if any, with the viewer's IP address appended
  ("192.0.2.4,192.0.2.3" becomes "192.0.2.4,192.0.2.3,192.0.2.2");
- ``Via``: the viewer's, followed by the edge's; ``X-Amz-Cf-Id``: the edge's;
- ``Cache-Control``, ``Pragma``, ``Max-Forwards`` always (they cannot be in a cache key),
  ``Content-Type`` and ``Content-MD5`` with a body;
- ``Cookie``: only the cookies a policy names; ``Authorization``: see ``policies``;
- any other header only when a policy names it. Never the viewer's ``X-Forwarded-Proto``,
  ``X-Real-IP``, ``X-Amz-Cf-Id``, ``X-Edge-*``, ``CloudFront-*`` or hop-by-hop headers,
  which an origin could mistake for the edge's word.

The origin's answer is stored for other viewers only when nothing of this viewer's
shaped it beyond the cache key (``shareable``): CloudFront documents caching
responses to forwarded-but-unkeyed values; the sandbox takes the safe rule of RFC
9111 section 3.5 instead, extended to cookies, ``Set-Cookie`` and ``Vary``.
"""

from .policies import Forwarding

ALWAYS_FORWARDED = frozenset({b"cache-control", b"pragma", b"max-forwards"})
BODY_HEADERS = frozenset({b"content-type", b"content-md5"})
# Hop-by-hop headers (RFC 9110 section 7.6.1, and the deprecated Keep-Alive and Proxy-Connection):
# they describe one connection, so no proxy passes them on, in either direction.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
NEVER_FROM_VIEWER = HOP_BY_HOP | frozenset(
    {
        b"content-length",
        b"expect",
        b"host",
        b"user-agent",
        b"cookie",
        b"authorization",
        b"via",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-real-ip",
        b"x-amz-cf-id",
        b"accept-encoding",  # never compressed by the sandbox: identity for everyone
    }
)
USER_AGENT = b"Amazon CloudFront"


def _values(headers, wanted):
    return [value for name, value in headers if name == wanted]


def cookies(headers):
    """(name, value) pairs of every Cookie header, in order (str)."""
    pairs = []
    for value in _values(headers, b"cookie"):
        for part in value.decode("latin-1").split(";"):
            name, sep, content = part.strip().partition("=")
            if name and sep:
                pairs.append((name, content))
    return pairs


def select_query(query, picks):
    """The ``&``-separated parameters of ``query`` (str) whose name ``picks``, in their order."""
    if not query:
        return ""
    return "&".join(p for p in query.split("&") if p and picks(p.partition("=")[0]))


def cache_key(forwarding, headers, query):
    """``(query part, other parts)`` of the cache key: the query string the cache policy keeps, and
    ``name=value`` strings for the headers and cookies it keys on (sorted: their order is no part of
    the object)."""
    key_query = select_query(query, forwarding.key_query.picks) if forwarding.key_query.kind != "none" else ""
    parts = []
    if forwarding.key_headers.kind != "none":
        for name, value in headers:
            if forwarding.key_headers.picks(name.decode("latin-1")):
                parts.append("h:" + name.decode("latin-1") + "=" + value.decode("latin-1"))
    if forwarding.key_cookies.kind != "none":
        parts += ["c:" + n + "=" + v for n, v in cookies(headers) if forwarding.key_cookies.picks(n)]
    return key_query, tuple(sorted(parts))


def origin_query(forwarding, query):
    """The query string (str) the origin gets: what the cache policy and origin request policy name."""
    if forwarding.key_query.kind == "all" or forwarding.origin_query.kind == "all":
        return query
    return select_query(query, forwarding.forwards_query)


def origin_headers(forwarding, headers, context):
    """The headers (bytes pairs) of the origin request; ``context`` holds ``origin_host``, ``client_ip``,
    ``via``, ``request_id``, ``viewer_scheme`` (bytes) and ``body`` (bool)."""
    out = []
    for name, value in headers:
        if name in NEVER_FROM_VIEWER or name.startswith((b"x-edge-", b"cloudfront-")):
            continue
        always = name in ALWAYS_FORWARDED or (context["body"] and name in BODY_HEADERS)
        if always or forwarding.forwards_header(name.decode("latin-1")):
            out.append((name, value))
    viewer_host = _values(headers, b"host")
    host = viewer_host[0] if viewer_host and forwarding.forwards_header("host") else context["origin_host"]
    agents = _values(headers, b"user-agent")
    agent = agents[0] if agents and forwarding.forwards_header("user-agent") else USER_AGENT
    out += [(b"host", host), (b"user-agent", agent)]
    if forwarding.authorization:
        out += [(b"authorization", value) for value in _values(headers, b"authorization")]
    sent = [f"{n}={v}" for n, v in cookies(headers) if forwarding.forwards_cookie(n)]
    if sent:
        out.append((b"cookie", "; ".join(sent).encode("latin-1")))
    chain = [v.strip() for v in _values(headers, b"x-forwarded-for") if v.strip()]
    out.append((b"x-forwarded-for", b",".join([*chain, context["client_ip"]])))
    out.append((b"via", b", ".join([*_values(headers, b"via"), context["via"]])))
    out += [(b"x-amz-cf-id", context["request_id"]), (b"cloudfront-forwarded-proto", context["viewer_scheme"])]
    return out


def _from_viewer(forwarding, name):
    """True when the origin request carries a value of header ``name`` that comes from the viewer and
    that the cache key may not hold (cookies: the last check of ``shareable``)."""
    if not name or name == "cookie":
        return False
    if name in ("x-forwarded-for", "via") or name.encode() in ALWAYS_FORWARDED | BODY_HEADERS:
        return True
    if name == "authorization":
        return forwarding.authorization
    if name.encode() in NEVER_FROM_VIEWER and name not in ("host", "user-agent"):
        return False
    return forwarding.forwards_header(name)


def shareable(forwarding: Forwarding, headers, answer_headers):
    """True when the origin's answer to this viewer may be served to other viewers from the cache."""
    for name, value in answer_headers:
        name = name.lower()
        if name == b"set-cookie":
            return False
        if name == b"vary":
            for token in value.decode("latin-1").lower().split(","):
                token = token.strip()
                if token == "*" or (_from_viewer(forwarding, token) and not forwarding.key_headers.picks(token)):
                    return False
    names = {name for name, _ in headers}
    if b"authorization" in names and forwarding.authorization and not forwarding.key_headers.picks("authorization"):
        return False
    return all(forwarding.key_cookies.picks(n) for n, _ in cookies(headers) if forwarding.forwards_cookie(n))
