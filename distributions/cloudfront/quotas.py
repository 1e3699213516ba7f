"""CloudFront's per-distribution quotas: today's defaults, raised per account on request.

Defaults from the CloudFront Developer Guide, "Quotas" (general quotas on
distributions): 75 cache behaviors, 100 origins, 10 origin groups and 100
alternate domain names per distribution. AWS raises them for an account on
request, so the console takes them as a parameter (``CONSOLE_SIMULATOR_QUOTAS``)
instead of refusing what such an account may legitimately hold.
"""

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Quotas:
    """Per-distribution limits; each field is the largest count CloudFront accepts."""

    cache_behaviors: int = 75  # besides the default cache behavior
    origins: int = 100
    origin_groups: int = 10
    aliases: int = 100


DEFAULT = Quotas()


def parse(text: str | None) -> Quotas:
    """Quotas from ``"cache_behaviors=100,origins=150"``; unnamed quotas keep their defaults.

    Raises ValueError, naming the bad part, for an unknown name or a value that
    is not a positive whole number.
    """
    names = [f.name for f in fields(Quotas)]
    changes = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, value = (p.strip() for p in part.partition("="))
        if not sep or name not in names:
            raise ValueError(f"{part.strip()!r}: expected NAME=NUMBER with NAME one of {', '.join(names)}")
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{part.strip()!r}: {name} must be a positive whole number")
        changes[name] = int(value)
    return replace(DEFAULT, **changes)
