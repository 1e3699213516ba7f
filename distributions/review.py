"""What a change does, shown before it is pushed: the review every edit goes through.

Used by the behavior edit, the precedence change and the origin edit: the
config diff, the checklist findings the change adds and removes, and the sample
paths whose behavior changes. Errors a change adds are not blocked silently:
the user acknowledges each one.
"""

from dataclasses import dataclass, field

from .cloudfront import config as cfg
from .cloudfront import patterns, shadowing, viewer
from .cloudfront.checklist import ERROR, check, diff_findings
from .console_words import describe_changes

# Findings CloudFront itself refuses (InvalidViewerCertificate): no acknowledgement pushes them.
REFUSED_BY_CLOUDFRONT = frozenset({"alias-not-covered", "default-certificate-with-aliases"})


def finding_id(finding):
    """A form-safe identifier of a finding, stable across versions of the config."""
    return "|".join(part or "" for part in finding.key)


def sample_paths(*configs):
    """Paths that tell behaviors apart: an example and a witness for every pattern of every config, and a
    path every two overlapping patterns share (the paths a reorder can hand from one to the other)."""
    paths = []
    for config in configs:
        behavior_list = cfg.behaviors(config)
        earlier = []
        for behavior in behavior_list:
            if not behavior.is_default:
                paths.append(patterns.example_path(behavior.path_pattern))
                if patterns.is_valid(behavior.path_pattern):
                    found = shadowing.witness(behavior.path_pattern, earlier)
                    if found:
                        paths.append(found)
                    paths += filter(None, (shadowing.common_path(behavior.path_pattern, p) for p in earlier))
                    earlier.append(behavior.path_pattern)
    paths.append("/index.html")
    return list(dict.fromkeys(paths))


def moved_paths(before, after):
    """Sample paths served by a different behavior after the change: (path, before pattern, after pattern)."""
    order_before = [b.path_pattern for b in cfg.behaviors(before)]
    if order_before == [b.path_pattern for b in cfg.behaviors(after)]:
        # Which behavior serves a path depends on the patterns and their order alone (viewer.match):
        # with both unchanged no path moves, whatever else the change does (a policy, an origin).
        return []
    moved = []
    for path in sample_paths(before, after):
        old, _ = viewer.match(before, path)
        new, _ = viewer.match(after, path)
        if old.path_pattern != new.path_pattern:
            moved.append((path, old.path_pattern, new.path_pattern))
    return moved


@dataclass
class Review:
    changes: list
    added: list
    removed: list
    moved: list
    findings_after: list = field(default_factory=list)
    # False in AWS mode: AWS decides what it refuses, so the console's own reading of CloudFront's
    # rules is a warning to acknowledge, never a local refusal (AWS's answer is shown verbatim).
    authoritative: bool = True
    # In AWS mode, the rules the console believes CloudFront enforces that this change breaks.
    warnings: list = field(default_factory=list)
    # ``changes`` in the console's words (console_words.Change), for the page to show.
    described: list = field(default_factory=list)

    @property
    def errors_added(self):
        return [f for f in self.added if f.severity == ERROR]

    @property
    def refused(self):
        """Errors this change adds that CloudFront refuses whatever the user acknowledges."""
        if not self.authoritative:
            return []
        return [f for f in self.errors_added if f.code in REFUSED_BY_CLOUDFRONT]

    @property
    def refused_after(self):
        """What CloudFront refuses in the config after the change, new or not (nothing in AWS mode)."""
        if not self.authoritative:
            return []
        return [f for f in self.findings_after if f.code in REFUSED_BY_CLOUDFRONT]

    @property
    def acknowledgeable(self):
        """Errors this change adds that the user may acknowledge and push anyway."""
        if not self.authoritative:
            return self.errors_added
        return [f for f in self.errors_added if f.code not in REFUSED_BY_CLOUDFRONT]

    def unacknowledged(self, acknowledged):
        """Errors this change adds that the user has not explicitly acknowledged."""
        acknowledged = set(acknowledged)
        return [f for f in self.acknowledgeable if finding_id(f) not in acknowledged]


def review(before, after, names_before=None, names_after=None):
    """The review of changing ``before`` into ``after``; ``names_*`` are the custom certificates' names, when known."""
    findings_before, findings_after = check(before, names_before), check(after, names_after)
    added, removed = diff_findings(findings_before, findings_after)
    return Review(
        cfg.diff(before, after), added, removed, moved_paths(before, after), findings_after,
        described=describe_changes(before, after),
    )  # fmt: skip
