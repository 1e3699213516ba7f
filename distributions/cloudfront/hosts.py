"""Host names: which alternate domain name serves a viewer's Host.

Two different wildcard rules, both CloudFront's (this module has the first,
``certificates.covers`` the second):

- **Routing** (Developer Guide, "Use wildcards in alternate domain names"): with
  an alternate domain name of ``*.example.com`` "you can use any domain name that
  ends with example.com in your URLs, such as www.example.com,
  product-name.example.com, marketing.product-name.example.com". When names
  overlap, "CloudFront sends the request to the distribution with the more
  specific name match" (Developer Guide, "Restrictions on using alternate
  domain names"): an exact alias wins over any wildcard, a longer wildcard over
  a shorter one.
- **Certificates** (RFC 6125, and CloudFront's "alternate domain names must be
  covered by the certificate"): a wildcard name covers exactly one leftmost
  label, so ``*.example.com`` covers ``www.example.com`` but neither
  ``example.com`` nor ``a.b.example.com``.
"""


def normalize(name: str) -> str:
    """A host or alias as compared: lower case, no trailing dot."""
    return (name or "").strip().lower().rstrip(".")


def alias_matches(alias: str, host: str) -> bool:
    """True when a viewer's ``host`` reaches the alternate domain name ``alias`` (routing rule)."""
    alias, host = normalize(alias), normalize(host)
    if alias.startswith("*."):
        return host.endswith(alias[1:]) and len(host) > len(alias) - 1
    return alias == host


def specificity(alias: str) -> tuple:
    """Sort key: larger is more specific. Exact names beat wildcards; longer wildcards beat shorter."""
    alias = normalize(alias)
    return (not alias.startswith("*."), alias.count("."), len(alias))


def best_alias(aliases: list[str], host: str) -> str | None:
    """The most specific of ``aliases`` that ``host`` reaches, or None."""
    matching = [a for a in aliases if alias_matches(a, host)]
    return max(matching, key=specificity) if matching else None


def wildcard_keys(host: str) -> list:
    """The wildcard aliases that could serve ``host``, most specific first: for ``a.b.example.com``,
    ``*.b.example.com``, ``*.example.com``, ``*.com``; lets a lookup table stay a dict."""
    labels = normalize(host).split(".")
    return ["*." + ".".join(labels[i:]) for i in range(1, len(labels))]
