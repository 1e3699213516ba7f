"""review.moved_paths: which sample paths a change hands to another behavior."""

import pytest

from distributions import review
from distributions.cloudfront import viewer

from .factories import distribution_config

BEFORE = [("/api/*", "allow-all"), ("/api/v1/*", "allow-all"), ("*.jpg", "allow-all")]


@pytest.mark.parametrize(
    ("after", "moved"),
    [
        # Only policies change: the patterns and their order decide which behavior serves a path.
        ([("/api/*", "https-only"), ("/api/v1/*", "redirect-to-https"), ("*.jpg", "https-only")], []),
        # /api/v1/* before /api/*: its paths leave /api/*.
        ([("/api/v1/*", "allow-all"), ("/api/*", "allow-all"), ("*.jpg", "allow-all")], [("/api/*", "/api/v1/*")]),
        # *.jpg first: the images under /api/ go to it.
        ([("*.jpg", "allow-all"), ("/api/*", "allow-all"), ("/api/v1/*", "allow-all")], [("/api/*", "*.jpg")]),
        # A behavior removed: its paths fall to the next match, or to the default.
        ([("/api/*", "allow-all"), ("/api/v1/*", "allow-all")], [("*.jpg", "*")]),
    ],
)
def test_moved_paths(after, moved):
    before_config, after_config = distribution_config(BEFORE), distribution_config(after)
    found = review.moved_paths(before_config, after_config)
    assert sorted({(old, new) for _path, old, new in found}) == sorted(moved)
    for path, old, new in found:  # each one as the edge decides it
        assert viewer.match(before_config, path)[0].path_pattern == old
        assert viewer.match(after_config, path)[0].path_pattern == new
