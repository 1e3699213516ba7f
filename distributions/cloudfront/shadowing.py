"""Exact answers to "can this cache behavior ever be chosen?".

A path pattern (literals, ``*`` for any string, ``?`` for one character) is a
regular language, so "every path B matches is caught by an earlier pattern"
is a language inclusion, decided here exactly rather than by sampling paths.
Each pattern is a small NFA whose states are positions in the pattern. A
breadth-first search runs over pairs (positions in the patterns a path must
match, set of positions in the patterns it must not match), looking for a
path that ends accepted by the first and by none of the second.

Two things keep the search finite and small:

- characters that no pattern names as a literal all behave alike (only ``?``
  and ``*`` take them), so one symbol stands for all of them;
- the "must not match" side is determinized, which can blow up, so the search
  keeps an antichain (De Wulf et al., "Antichains: a new algorithm for checking
  universality of finite automata", CAV 2006): a pair is skipped when a pair
  with the same positive part and a *subset* of its negative states was already
  seen, since whatever path escapes the larger set escapes the smaller one too.
  BFS visits the smaller set no later, so witnesses stay shortest.
"""

from collections import deque
from collections.abc import Iterable
from functools import lru_cache

from . import patterns

_OTHER = None  # the symbol for "any character no pattern names as a literal"
# Characters tried, in order, to spell _OTHER in a witness path. Never '?' or
# '#': a viewer's '?' starts the query string and '#' the fragment.
_REPRESENTATIVES = "xyzqjkXYZQJK0123456789_-~@:+&$"


# The same tokens the matcher compiles (patterns.tokens): one reading of a pattern for the
# edge, Test a request and this search.
_tokens = patterns.tokens


def _literals(tokens):
    return {t for t in tokens if t not in ("*", "?")}


def _closure(tokens, positions):
    """Positions reachable without reading: a '*' may match the empty string."""
    result = set()
    for position in positions:
        while True:
            result.add(position)
            if position < len(tokens) and tokens[position] == "*":
                position += 1
            else:
                break
    return frozenset(result)


@lru_cache(maxsize=65536)
def _successors(tokens, position, symbol):
    """Positions after reading ``symbol`` at ``position`` (closed under empty '*' matches)."""
    if position == len(tokens):
        return frozenset()
    token = tokens[position]
    if token == "*":
        return _closure(tokens, {position})
    if token == "?" or token == symbol:
        return _closure(tokens, {position + 1})
    return frozenset()


def _spell(symbols, literals):
    other = next((c for c in _REPRESENTATIVES if c not in literals), None)
    if other is None:  # every representative is a literal somewhere: pick any other character
        other = next(chr(c) for c in range(0xA1, 0x10000) if chr(c) not in literals)
    return "".join(other if s is _OTHER else s for s in symbols)


def _product(sets):
    result = [()]
    for options in sets:
        result = [combo + (option,) for combo in result for option in options]
    return result


def _negative_automaton(negative, alphabet):
    """The patterns that must not match, as one automaton: ``(start mask, accepting mask, step)``.

    One bit per (pattern, position): a set of states is an int, and ``step(mask, symbol)`` moves it.
    """
    offsets, total = [], 0
    for tokens in negative:
        offsets.append(total)
        total += len(tokens) + 1
    accepting = sum(1 << (offset + len(tokens)) for offset, tokens in zip(offsets, negative, strict=False))
    moves = {}  # (bit, symbol) -> mask of successor bits
    for offset, tokens in zip(offsets, negative, strict=False):
        for position in range(len(tokens) + 1):
            for symbol in alphabet:
                moves[offset + position, symbol] = sum(1 << (offset + p) for p in _successors(tokens, position, symbol))

    def step_negative(mask, symbol):
        result = 0
        while mask:
            lowest = mask & -mask
            result |= moves[lowest.bit_length() - 1, symbol]
            mask ^= lowest
        return result

    start_mask = sum(
        1 << (offset + p) for offset, tokens in zip(offsets, negative, strict=False) for p in _closure(tokens, {0})
    )
    return start_mask, accepting, step_negative


@lru_cache(maxsize=4096)
def _search(must_match, must_not_match):
    """The shortest path every pattern of ``must_match`` matches and none of ``must_not_match``; or None."""
    positive = [_tokens(p) for p in must_match]
    negative = [_tokens(p) for p in must_not_match]
    literals = set().union(*(_literals(t) for t in positive + negative))
    alphabet = sorted(literals) + [_OTHER]
    start_mask, accepting, step_negative = _negative_automaton(negative, alphabet)
    stepped = {}  # (mask, symbol) -> mask: many positive states share a negative one
    parents = {}
    antichain = {}  # positive state -> minimal negative masks seen with it
    queue = deque()

    def visit(state, parent):
        left, mask = state
        seen = antichain.setdefault(left, [])
        if any(old & ~mask == 0 for old in seen):  # a subset was seen already
            return
        seen[:] = [old for old in seen if mask & ~old] + [mask]
        parents[state] = parent
        queue.append(state)

    for left in _product([_closure(t, {0}) for t in positive]):
        visit((left, start_mask), None)
    while queue:
        state = queue.popleft()
        left, mask = state
        if all(p == len(t) for p, t in zip(left, positive, strict=False)) and not mask & accepting:
            symbols = []
            while parents[state] is not None:
                state, symbol = parents[state]
                symbols.append(symbol)
            return _spell(reversed(symbols), literals)
        for symbol in alphabet:
            lefts = _product([_successors(t, p, symbol) for t, p in zip(positive, left, strict=False)])
            if not lefts:
                continue  # a pattern that must match no longer can
            following = stepped.get((mask, symbol))
            if following is None:
                following = stepped[mask, symbol] = step_negative(mask, symbol)
            for next_left in lefts:
                visit((next_left, following), (state, symbol))
    return None


def overlaps(pattern: str, other: str) -> bool:
    """True when some request path matches both patterns."""
    return common_path(pattern, other) is not None


def common_path(pattern: str, other: str) -> str | None:
    """The shortest request path both patterns match, or None when they share none."""
    return _search((pattern, other), ())


def witness(pattern: str, earlier_patterns: Iterable[str]) -> str | None:
    """A path ``pattern`` matches and none of ``earlier_patterns`` does; None iff it is shadowed.

    The path starts with '/', is as short as possible, and is a path a viewer
    can request (no '?' or '#').
    """
    # Only overlapping patterns can take paths away from ``pattern``; leaving
    # the others out keeps the product search small.
    relevant = [p for p in earlier_patterns if overlaps(pattern, p)]
    return _search((pattern,), tuple(relevant))


def shadowed_by(pattern: str, earlier_patterns: Iterable[str]) -> list[str] | None:
    """The earlier patterns that take paths from ``pattern``, in order; None when it still wins some path.

    Only patterns that actually win some of those paths are named: an earlier
    pattern whose paths are all caught before it (itself shadowed) is not.
    """
    # Patterns that share no path with ``pattern`` cannot take any of its paths.
    relevant = [p for p in earlier_patterns if overlaps(pattern, p)]
    if _search((pattern,), tuple(relevant)) is not None:
        return None
    return [
        candidate
        for i, candidate in enumerate(relevant)
        if _search((pattern, candidate), tuple(relevant[:i])) is not None
    ]
