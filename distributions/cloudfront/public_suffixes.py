"""Public suffixes (``com``, ``co.uk``, ``kawasaki.jp``…): the names under which anyone may register a domain.

A wildcard certificate directly under one (``*.co.uk``) would cover every domain
registered there; the CA/Browser Forum's Baseline Requirements (section 3.2.2.6,
"Wildcard Domain Validation") make certificate authorities refuse it, and ACM
does not issue it. The list is the ICANN section of the Public Suffix List
(``public_suffixes.dat``, beside this module): registry-controlled suffixes only.
The private section (``github.io``, ``cloudfront.net``…) is left out on purpose,
since those names' owners legitimately hold ``*.github.io``-style certificates.
"""

from functools import lru_cache
from pathlib import Path

LIST = Path(__file__).with_name("public_suffixes.dat")


def _ascii(rule):
    try:
        return rule.encode("idna").decode("ascii")
    except UnicodeError:  # a rule IDNA 2003 cannot encode: kept as written
        return rule


@lru_cache(maxsize=1)
def _rules():
    exact, wildcards, exceptions = set(), set(), set()
    for line in LIST.read_text(encoding="utf-8").splitlines():
        rule = line.strip().lower()
        if not rule or rule.startswith("//"):
            continue
        if rule.startswith("!"):
            exceptions |= {rule[1:], _ascii(rule[1:])}
        elif rule.startswith("*."):
            wildcards |= {rule[2:], _ascii(rule[2:])}
        else:
            exact |= {rule, _ascii(rule)}
    return frozenset(exact), frozenset(wildcards), frozenset(exceptions)


def is_public_suffix(name: str) -> bool:
    """True when ``name`` (lower case, Unicode or ``xn--`` labels) is itself a public suffix.

    The list's algorithm: an exception rule (``!www.ck``) wins, then an exact rule
    (``co.uk``), then a wildcard rule (``*.ck`` makes every ``x.ck`` a suffix); a single
    label is a suffix whether listed or not (the implicit ``*`` rule).
    """
    name = name.strip().lower().rstrip(".")
    exact, wildcards, exceptions = _rules()
    if name in exceptions:
        return False
    if name in exact or "." not in name:
        return True
    return name.split(".", 1)[1] in wildcards
