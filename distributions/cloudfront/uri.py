"""The one canonical path of a viewer request, and what a request target may be.

What AWS documents (CloudFront Developer Guide, "Cache behavior settings" >
"Path pattern", current revision): CloudFront normalizes URI paths consistent
with RFC 3986 before it matches them against path patterns, and removes some
characters from the path, such as multiple slashes (``//``) and periods (``..``). RFC 3986 normalization is: percent-encoded
unreserved characters are decoded (``%61`` is ``a``), percent-encodings are in
upper case, and dot segments are removed (section 5.2.4).

Where AWS documents nothing, this module takes the safe rule, so that no origin
can read the path differently from the path the behavior was chosen on:

- every percent-encoded character that may stand in a path as it is (the
  characters of RFC 3986's ``pchar``, and ``"`` which path patterns allow) is
  decoded, ``%2F`` included: an encoded slash is a slash, both for matching and
  for the origin, since most origins decode it before routing;
- dot segments are removed *after* that decoding (``%2e%2e`` is ``..``);
- what is left is encoded one way only: ``%`` + two upper-case hex digits for
  every byte outside that set (``%``, ``?``, ``#``, space, controls, non-ASCII);
- a ``%`` not followed by two hex digits, or a path that does not start with
  ``/``, is malformed: the edge answers 400.

CloudFront documents that it sends the raw path to the origin; the sandbox sends
the canonical path instead (the issue's rule: one path decides the behavior and
is what the origin receives). Pure Python, no Django.
"""

import re
from urllib.parse import quote, unquote_to_bytes

# RFC 3986 pchar without "%" (unreserved, sub-delims, ":" and "@"), "/" and the '"' path patterns allow.
_SAFE = "/:@!$&'()*+,;=\"-._~"
_SAFE_BYTES = re.compile(rb"[A-Za-z0-9/:@!$&'()*+,;=\"\-._~]*")
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
# Bytes a query string keeps as they are when the edge puts it in an origin request or a Location.
_QUERY_SAFE = "/:@!$&'()*+,;=\"-._~?%"


def _bytes(raw):
    return raw if isinstance(raw, bytes) else raw.encode("utf-8")


def remove_dot_segments(path: bytes) -> bytes:
    """``path`` (bytes, starting with ``/``) without ``.`` and ``..`` segments and without empty
    segments (``//``), as CloudFront removes them; a trailing slash stays."""
    segments = path.split(b"/")[1:]
    kept = []
    for segment in segments:
        if segment == b"..":
            if kept:
                kept.pop()
        elif segment not in (b"", b"."):
            kept.append(segment)
    trailing = segments[-1] in (b"", b".", b"..") and kept
    return b"/" + b"/".join(kept) + (b"/" if trailing else b"")


def canonical_path(raw: bytes | str) -> str | None:
    """The canonical path (ASCII ``str``) of a request path (``bytes`` as received, or ``str``);
    None when it is malformed (no leading ``/``, or a ``%`` without two hex digits).

    Idempotent: the canonical path of a canonical path is itself.
    """
    raw = _bytes(raw)
    if not raw.startswith(b"/"):
        return None
    if b"%" not in raw and b"/." not in raw and b"//" not in raw and _SAFE_BYTES.fullmatch(raw):
        return raw.decode("ascii")  # already canonical: the common case, kept cheap
    if _BAD_ESCAPE.search(raw):
        return None
    return quote(remove_dot_segments(unquote_to_bytes(raw)), safe=_SAFE)


def canonical_query(raw: bytes | str) -> str:
    """The query string (``bytes`` or ``str``, without ``?``) with every byte that cannot stand in
    a URL encoded, existing escapes kept: safe to put after ``?`` in a URL the edge builds."""
    raw = _bytes(raw)
    return quote(raw, safe=_QUERY_SAFE) if raw else ""


class TargetError(ValueError):
    """A request target the edge answers with 400."""


def split_target(target: bytes) -> tuple[bytes | None, bytes, bytes]:
    """``(authority or None, path, query)`` of an HTTP/1.1 request target (``bytes``).

    Origin form (``/path?query``) gives no authority. Absolute form
    (``http://host[:port]/path?query``, RFC 9112 section 3.2.2) gives its authority,
    which replaces the Host header. The asterisk form (``OPTIONS *``), the
    authority form (``CONNECT host:port``) and anything else raise TargetError:
    CloudFront serves objects, not proxy or server-wide requests.
    """
    authority = None
    if not target.startswith(b"/"):
        scheme, sep, rest = target.partition(b"://")
        if not sep or scheme.lower() not in (b"http", b"https"):
            raise TargetError("The request target is neither a path nor an http(s) URL.")
        end = min((i for i in (rest.find(b"/"), rest.find(b"?")) if i >= 0), default=len(rest))
        authority, target = rest[:end], rest[end:]
        if not authority or b"@" in authority:
            raise TargetError("The request target's authority is empty or names a user.")
        if not target.startswith(b"/"):
            target = b"/" + target
    path, _, query = target.partition(b"?")
    path = path.partition(b"#")[0]
    query = query.partition(b"#")[0]
    return authority, path, query
