"""What History knows about one recorded change: what was changed after it, by whom, and its revert.

Restore puts back the whole configuration from before a change, so it also undoes every later
change; Revert undoes only that change's fields (``cloudfront/changes.py``) and is a conflict when
one of them changed since. Both pages say which later changes they touch, and who made them when
the audit trail knows: a change it does not know was made outside this console.
"""

import json
from dataclasses import dataclass

from .cloudfront import changes
from .models import AuditEntry, AuditOutcome

# Later entries that may have changed the configuration: pushed ones, and those whose answer is not yet known.
CHANGING = (AuditOutcome.PUSHED, AuditOutcome.PENDING, AuditOutcome.UNCONFIRMED)
LATER_LIMIT = 200


@dataclass(frozen=True)
class Field:
    """A field changed since a recorded change: its name, its value now, and the recorded changes that set it."""

    label: str
    now: str
    by: tuple  # AuditEntry, oldest first; empty when the change was made outside this console
    this_change: str = ""


def show(value):
    """A field's value as the page shows it."""
    if value is changes.MISSING or value is None:
        return "(absent)"
    if isinstance(value, str):
        return value
    text = json.dumps(list(value) if isinstance(value, tuple) else value, sort_keys=True)
    return text if len(text) <= 300 else text[:299] + "…"


def revertible(entry):
    """Whether History offers Revert and Restore for this entry: a change CloudFront applied, with both configs."""
    return entry.outcome == AuditOutcome.PUSHED and entry.config_before is not None and entry.config_after is not None


def later_changes(entry):
    """The changes recorded on the distribution after ``entry`` that may have changed it, oldest first."""
    return list(
        AuditEntry.objects.filter(
            distribution_id=entry.distribution_id,
            pk__gt=entry.pk,
            outcome__in=CHANGING,
            config_before__isnull=False,
            config_after__isnull=False,
        ).order_by("pk")[:LATER_LIMIT]
    )


def _overlaps(a, b):
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def _fields(later):
    return [(e, [c.path for c in changes.changes(e.config_before, e.config_after)]) for e in later]


def since(entry, current, later=None):
    """Every field that differs between the config ``entry`` left and ``current``, with who changed it."""
    later = later_changes(entry) if later is None else later
    touched = _fields(later)
    return [
        Field(
            changes.label(change.path),
            show(change.after),
            tuple(e for e, paths in touched if any(_overlaps(change.path, p) for p in paths)),
        )
        for change in changes.changes(entry.config_after, current)
    ]


def conflicts(entry, found, current, later=None):
    """The revert's conflicts (``changes.revert``'s), each with its value now and who changed it since."""
    later = later_changes(entry) if later is None else later
    touched = _fields(later)
    return [
        Field(
            changes.label(conflict.path),
            show(changes.value_at(current, conflict.path)),
            tuple(e for e, paths in touched if any(_overlaps(conflict.path, p) for p in paths)),
            show(conflict.after),
        )
        for conflict in found
    ]
