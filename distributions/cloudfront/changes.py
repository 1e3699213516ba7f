"""One change as the fields it set: whether it still holds on a later config, and its inverse there.

``config.diff`` names list members by position, which is right for showing a diff but
wrong for undoing one later: after a reorder or an added behavior, ``Items[1]`` is another
behavior. Here the members of a list whose dicts each carry a unique ``PathPattern``
(CacheBehaviors) or ``Id`` (Origins, OriginGroups) are named by that key, and their order
is a change of its own (the relative order of the members both sides hold). Other lists
(aliases, methods, headers) are one value. ``Quantity`` next to ``Items`` is never a change
of its own: it is recomputed from the items, as CloudFront requires them to agree.
"""

import copy
from dataclasses import dataclass

IDENTITIES = ("PathPattern", "Id")


class _Missing:
    def __repr__(self):
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True)
class Item:
    """A member of a keyed list, by its key field's value."""

    field: str
    key: str


@dataclass(frozen=True)
class Order:
    """The relative order of a keyed list's members."""


ORDER = Order()


@dataclass(frozen=True)
class Change:
    path: tuple
    before: object
    after: object


def label(path: tuple) -> str:
    """A path as people read it: ``CacheBehaviors.Items[/images/*].ViewerProtocolPolicy``."""
    text = ""
    for segment in path:
        if isinstance(segment, Item):
            text += f"[{segment.key}]"
        elif isinstance(segment, Order):
            text += " (order)"
        else:
            text += f".{segment}" if text else str(segment)
    return text


def _identity(values):
    """The key field naming every member of ``values`` (dicts with unique string keys), or None."""
    if not values or not all(isinstance(v, dict) for v in values):
        return None
    for field in IDENTITIES:
        keys = [v.get(field) for v in values]
        if all(isinstance(k, str) for k in keys) and len(set(keys)) == len(keys):
            return field
    return None


def _keyed_field(old, new):
    fields = {_identity(side) for side in (old, new) if side}
    if len(fields) != 1 or None in fields:
        return None
    field = fields.pop()
    return field if all(_identity(side) == field for side in (old, new) if side) else None


def _relative(keys, among):
    among = set(among)
    return tuple(k for k in keys if k in among)


def changes(old: object, new: object, path: tuple = ()) -> list:
    """The fields ``new`` sets differently from ``old``, as ``Change``s (``MISSING`` for an absent one)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new), key=str):
            if key == "Quantity" and ("Items" in old or "Items" in new):
                continue
            found += changes(old.get(key, MISSING), new.get(key, MISSING), (*path, key))
        return found
    if isinstance(old, list) and isinstance(new, list):
        field = _keyed_field(old, new)
        if field:
            return _list_changes(old, new, field, path)
    return [] if old == new else [Change(path, old, new)]


def _list_changes(old, new, field, path):
    old_by = {v[field]: v for v in old}
    new_by = {v[field]: v for v in new}
    found = []
    for key in [*old_by, *(k for k in new_by if k not in old_by)]:
        found += changes(old_by.get(key, MISSING), new_by.get(key, MISSING), (*path, Item(field, key)))
    old_order = _relative(old_by, new_by)
    new_order = _relative(new_by, old_by)
    if old_order != new_order:
        found.append(Change((*path, ORDER), old_order, new_order))
    return found


def value_at(config: dict, path: tuple) -> object:
    """The value at ``path`` (for an order, the list's keys in order), or MISSING."""
    node = config
    for segment in path:
        if isinstance(segment, Order):
            return tuple(v.get(_identity(node) or "", None) for v in node) if isinstance(node, list) else MISSING
        if isinstance(segment, Item):
            if not isinstance(node, list):
                return MISSING
            node = next((v for v in node if isinstance(v, dict) and v.get(segment.field) == segment.key), MISSING)
        elif isinstance(node, dict):
            node = node.get(segment, MISSING)
        else:
            return MISSING
        if node is MISSING:
            return MISSING
    return node


def _still(config, change):
    """Whether ``config`` holds the value ``change`` set at its path."""
    current = value_at(config, change.path)
    if isinstance(change.path[-1], Order):
        if current is MISSING:
            return False
        return _relative(current, change.after) == _relative(change.after, current)
    return current == change.after


def holds(found: list, config: dict) -> bool:
    """Whether every field of a change (its ``changes``) still has the value the change gave it in ``config``."""
    return all(_still(config, change) for change in found)


def revert(before: dict, after: dict, current: dict) -> tuple[dict, list]:
    """``(config, [])``: ``current`` with the change from ``before`` to ``after`` undone, every other
    field as ``current`` has it; or ``(None, conflicts)``: the change's fields that changed since."""
    found = changes(before, after)
    conflicts = [change for change in found if not _still(current, change)]
    if conflicts:
        return None, conflicts
    result = copy.deepcopy(current)
    # Members first, then orders: a member put back must exist before the order places it.
    for change in sorted(found, key=lambda c: isinstance(c.path[-1], Order)):
        _put(result, change.path, change.before, before)
    return result, []


def _parent(config, path, create):
    node = config
    for index, segment in enumerate(path):
        following = path[index + 1] if index + 1 < len(path) else None
        if isinstance(segment, Item):
            node = next(v for v in node if v.get(segment.field) == segment.key)
        else:
            if segment not in node and create:
                node[segment] = [] if isinstance(following, Item | Order) else {}
            node = node[segment]
    return node


def _put(config, path, value, source):
    """Set ``path`` to ``value`` in ``config`` (MISSING removes it); ``source`` places a member put back."""
    parent = _parent(config, path[:-1], create=value is not MISSING)
    last = path[-1]
    if isinstance(last, Order):
        _place(parent, value)
    elif isinstance(last, Item):
        index = next((i for i, v in enumerate(parent) if v.get(last.field) == last.key), None)
        if value is MISSING:
            if index is not None:
                del parent[index]
        elif index is not None:
            parent[index] = copy.deepcopy(value)
        else:
            parent.insert(_position(parent, last, value_at(source, (*path[:-1], ORDER))), copy.deepcopy(value))
    elif value is MISSING:
        parent.pop(last, None)
    else:
        parent[last] = copy.deepcopy(value)
    _recount(config, path)


def _place(values, order):
    """Put the members named in ``order`` into that relative order, in the positions they hold."""
    field = _identity(values)
    wanted = _relative(order, [v[field] for v in values])
    positions = [i for i, v in enumerate(values) if v[field] in set(wanted)]
    by_key = {v[field]: v for v in values}
    for position, key in zip(positions, wanted, strict=True):
        values[position] = by_key[key]


def _position(values, item, source_order):
    """Where a member goes back: after the nearest member that preceded it in the source, else first."""
    if source_order is MISSING or item.key not in source_order:
        return len(values)
    keys = [v.get(item.field) for v in values]
    for earlier in reversed(source_order[: source_order.index(item.key)]):
        if earlier in keys:
            return keys.index(earlier) + 1
    return 0


def _recount(config, path):
    """Keep every ``Quantity`` along ``path`` equal to its ``Items``' length, as CloudFront requires."""
    node = config
    for segment in path:
        if isinstance(node, dict) and isinstance(node.get("Items"), list) and "Quantity" in node:
            node["Quantity"] = len(node["Items"])
        if isinstance(segment, Order):
            return
        node = value_at(node, (segment,))
        if node is MISSING:
            return
