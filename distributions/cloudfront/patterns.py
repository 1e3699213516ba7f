"""Cache-behavior path patterns, matched the way CloudFront matches them.

- ``*`` matches zero or more characters, ``/`` included; ``?`` exactly one.
- Matching is case-sensitive and ignores the query string.
- A leading ``/`` is optional: ``images/*.jpg`` is ``/images/*.jpg``.
"""

import re
from functools import lru_cache

MAX_LENGTH = 255
ALLOWED_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.*$/~\"'@:+&?")
DEFAULT_PATTERN = "*"


def pattern_error(pattern):
    """Why CloudFront would reject ``pattern``, or None when it is valid."""
    if not isinstance(pattern, str) or pattern == "":
        return "A path pattern must be a non-empty string."
    if len(pattern) > MAX_LENGTH:
        return f"A path pattern can have at most {MAX_LENGTH} characters."
    bad = sorted({c for c in pattern if c not in ALLOWED_CHARACTERS})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        return (
            f"The path pattern {pattern!r} contains characters CloudFront does not allow: {shown}. "
            "Allowed: A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : + & and ?."
        )
    return None


def is_valid(pattern):
    return pattern_error(pattern) is None


def normalize(pattern):
    """The pattern with its optional leading slash made explicit."""
    return pattern if pattern.startswith("/") else "/" + pattern


def _source(pattern):
    parts = []
    for char in normalize(pattern):
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


@lru_cache(maxsize=4096)
def _regex(pattern):
    return re.compile(_source(pattern), re.DOTALL)


@lru_cache(maxsize=1024)
def first_match(pattern_list):
    """One compiled regex for an ordered tuple of patterns: ``fullmatch(path).lastindex - 1``
    is the index of the first pattern matching ``path`` (None when none does).

    Each pattern is one capturing alternative; the regex engine tries them in
    order, so the first full match is the first matching pattern in list order.
    """
    if not pattern_list:
        return None
    return re.compile("|".join(f"({_source(p)})" for p in pattern_list), re.DOTALL)


def matches(pattern, path):
    """True when the request ``path`` (no query string) falls under ``pattern``."""
    if not path.startswith("/"):
        path = "/" + path
    return _regex(pattern).fullmatch(path) is not None


def example_path(pattern):
    """A request path the pattern catches, to show users what it means."""
    path = normalize(pattern)
    if path == "/*":
        return "/index.html"
    return path.replace("*", "example").replace("?", "a")
