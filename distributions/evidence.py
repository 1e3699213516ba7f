"""The evidence an Edit behavior page shows: pure functions over DistributionConfig dicts.

Where steps 5 to 7 of the reference page get their facts: which behavior a request
reaches, which origin it goes to, and what a viewer gets over HTTP and HTTPS before
and after the change. No Django, no backend: unit-tested with plain dicts.
"""

from .cloudfront import config as cfg
from .cloudfront import patterns, viewer


def tested_path(raw: str | None) -> tuple[str | None, str | None]:
    """``(path, error)`` for what the user typed in the path tester; ``(None, None)`` when nothing."""
    raw = (raw or "").strip()
    if not raw:
        return None, None
    if len(raw) > 2048 or any(ord(c) < 33 for c in raw):
        return None, "Type a URL path such as /images/photo.jpg (no spaces, at most 2,048 characters)."
    return (raw if raw.startswith("/") else "/" + raw), None


def path_test(domain_name: str, before: dict, after: dict, path: str) -> dict:
    """What HTTP and HTTPS viewers get for ``path`` before and after the edit."""
    behavior, _ = viewer.match(before, path)
    methods = ["GET"] + [m for m in ("POST", "PUT", "DELETE") if m in behavior.allowed_methods][:1]
    rows = []
    for scheme in ("http", "https"):
        for method in methods:
            rows.append(
                {
                    "request": f"{scheme.upper()} {method}",
                    "before": viewer.decide(before, method, scheme, domain_name, path),
                    "after": viewer.decide(after, method, scheme, domain_name, path),
                }
            )
    return {"path": path, "behavior": behavior, "rows": rows}


def edit_evidence(config: dict, chosen: list[str], policy: str | None, test_path: str | None, domain_name: str) -> dict:
    """The evidence steps 5 to 7 show for setting ``policy`` on the ``chosen`` behaviors of ``config``.

    ``after`` (the config the edit would push), the behaviors, which behavior each chosen
    pattern's sample path really reaches (``catches``: order), the origins they route to,
    the methods a redirect cannot carry, and what HTTP and HTTPS viewers get for a path
    before and after (``path_test``).
    """
    try:
        after = cfg.set_viewer_protocol_policy(config, chosen, policy) if policy and chosen else config
    except cfg.ConfigError:
        after = config
    all_behaviors = cfg.behaviors(config)
    chosen_behaviors = [b for b in all_behaviors if b.path_pattern in chosen]
    primary = chosen_behaviors[0] if chosen_behaviors else all_behaviors[-1]
    unsafe = sorted({m for b in chosen_behaviors for m in b.allowed_methods} - viewer.REDIRECTABLE_METHODS)
    catches = []
    for behavior in chosen_behaviors:
        sample = patterns.example_path(behavior.path_pattern)
        winner, _ = viewer.match(config, sample)
        catches.append({"behavior": behavior, "sample": sample, "winner": winner})
    origins = []
    for origin_id in dict.fromkeys(b.target_origin_id for b in chosen_behaviors):
        origin = cfg.find_origin(config, origin_id) or {}
        origins.append(
            {
                "id": origin_id,
                "domain_name": origin.get("DomainName", "— no such origin —"),
                "type": cfg.origin_type(origin) if origin else "",
                "protocol_policy": cfg.origin_protocol_policy(origin) if origin else "",
                "behaviors": [b.path_pattern for b in chosen_behaviors if b.target_origin_id == origin_id],
            }
        )
    path, path_error = tested_path(test_path)
    if path is None and not path_error:
        path = patterns.example_path(primary.path_pattern)
    return {
        "after": after,
        "all_behaviors": all_behaviors,
        "chosen": chosen,
        "primary": primary,
        "policy": policy or primary.viewer_protocol_policy,
        "unsafe_methods": unsafe,
        "catches": catches,
        "origins": origins,
        "path_error": path_error,
        "path_test": path_test(domain_name, config, after, path) if path else None,
        "test_path": test_path if test_path is not None else path,
    }
