"""Invalidation paths, checked with CloudFront's rules."""

MAX_PATH_LENGTH = 4000
MAX_FILES_IN_PROGRESS = 3000
MAX_WILDCARDS_IN_PROGRESS = 15


def path_error(path: str) -> str | None:
    """Why CloudFront would refuse this invalidation path, or None."""
    if not isinstance(path, str) or not path:
        return "An invalidation path cannot be empty."
    if not path.startswith("/"):
        return f"Invalidation paths start with /: {path!r}."
    if "*" in path[:-1]:
        return f"A * can only be the last character of an invalidation path: {path!r}."
    if len(path) > MAX_PATH_LENGTH:
        return f"An invalidation path has at most {MAX_PATH_LENGTH:,} characters."
    if any(ord(c) < 32 for c in path):
        return f"An invalidation path cannot contain control characters: {path!r}."
    return None


def parse_paths(text: str | None) -> tuple[list[str], list[str]]:
    """The paths of a textarea (one per line), duplicates dropped, and the errors found."""
    paths = list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))
    if not paths:
        return [], ["Name at least one path, such as /* or /images/logo.png."]
    return paths, [error for error in map(path_error, paths) if error]


def is_wildcard(path: str) -> bool:
    """True for a path ending in ``*`` (CloudFront counts those apart in its in-progress limits)."""
    return path.endswith("*")
