"""Cache-behavior path patterns, matched the way CloudFront matches them, in linear time.

- ``*`` matches zero or more characters, ``/`` included; ``?`` exactly one.
- Matching is case-sensitive and ignores the query string.
- A leading ``/`` is optional: ``images/*.jpg`` is ``/images/*.jpg``.

The edge, the console's Test a request (both through ``viewer``) and the
checker's shadowing search (``shadowing``, which shares ``tokens``) all use this
module, so they cannot disagree on what a pattern means.

Why it never backtracks. A pattern cut at its stars is ``head * p1 * ... * pk * tail``,
each piece a fixed-length template of literals and ``?``. A path of length n matches
when ``head`` matches at 0, ``tail`` at n - len(tail), and p1..pk occur in order,
without overlapping, in between. Taking the *leftmost* occurrence of each piece is
always right: it ends earliest, so it leaves the most room to the pieces after it,
and the star before each piece absorbs whatever was skipped. So every decision is
final and each piece is searched once, from where the previous one ended.

The bound. Head and tail cost one comparison of their length. The searches of the
pieces of one pattern cover disjoint stretches of the path: a piece holding ``?`` is
found by a bit-parallel scan (Shift-And) of one step per character, and a literal
piece by ``str.find``, at most len(piece) comparisons per character in C (CPython
switches to the linear two-way algorithm for long needles). So one pattern costs
O(n * L) character comparisons at worst, L <= 255 its length, and O(n) steps of
Python at worst; with n bounded by the edge's 8,192-byte URL limit that is about a
millisecond per pattern, whatever the pattern and the path. (Issue #12: the regex
``/.*a.*a.*a.*a.*a.*b`` took 14 s on ``/aaa...a``.)
"""

from functools import lru_cache

MAX_LENGTH = 255
ALLOWED_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.*$/~\"'@:+&?")
DEFAULT_PATTERN = "*"


def pattern_error(pattern: object) -> str | None:
    """Why CloudFront would reject ``pattern``, or None when it is valid."""
    if not isinstance(pattern, str) or pattern == "":
        return "A path pattern must be a non-empty string."
    if len(pattern) > MAX_LENGTH:
        return f"A path pattern can have at most {MAX_LENGTH} characters."
    bad = sorted({c for c in pattern if c not in ALLOWED_CHARACTERS})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        return (
            f"The path pattern {pattern!r} contains characters CloudFront does not allow: {shown}. "
            "Allowed: A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : + & and ?."
        )
    return None


def is_valid(pattern: object) -> bool:
    return pattern_error(pattern) is None


def normalize(pattern: str) -> str:
    """The pattern with its optional leading slash made explicit."""
    return pattern if pattern.startswith("/") else "/" + pattern


def tokens(pattern: str) -> tuple:
    """The normalized pattern as a tuple of tokens: a literal character, ``?`` or ``*``;
    a run of stars is one ``*`` (it means the same)."""
    result = []
    for char in normalize(pattern):
        if char == "*" and result and result[-1] == "*":
            continue
        result.append(char)
    return tuple(result)


class _Template:
    """A fixed-length run of literals and ``?`` (a piece of a pattern between stars)."""

    __slots__ = ("length", "literal", "runs", "masks", "other", "top")

    def __init__(self, text):
        self.length = len(text)
        self.literal = None if "?" in text else text
        # (offset, literal run) for each run of literals between '?'s
        self.runs = tuple((i, run) for i, run in _runs(text) if run)
        # Shift-And masks: bit i is set for the characters position i accepts.
        self.masks = {}
        self.other = 0  # the mask of a character no literal names: only the '?' positions
        for i, char in enumerate(text):
            if char == "?":
                self.other |= 1 << i
            else:
                self.masks[char] = self.masks.get(char, 0) | 1 << i
        for char in self.masks:
            self.masks[char] |= self.other
        self.top = 1 << (self.length - 1) if self.length else 0

    def at(self, text, i):
        """True when the template matches ``text`` at ``i`` (within the text)."""
        if self.literal is not None:
            return text.startswith(self.literal, i)
        if i + self.length > len(text):
            return False
        return all(text.startswith(run, i + offset) for offset, run in self.runs)

    def find(self, text, start, end):
        """The leftmost ``i >= start`` where the template matches within ``text[:end]``, or -1."""
        if self.literal is not None:
            return text.find(self.literal, start, end)
        if start + self.length > end:
            return -1
        state, top, masks, other = 0, self.top, self.masks, self.other
        for j in range(start, end):  # one step per character: Shift-And never looks back
            state = ((state << 1) | 1) & masks.get(text[j], other)
            if state & top:
                return j - self.length + 1
        return -1


def _runs(text):
    """(offset, run) for the runs of ``text`` between ``?`` characters."""
    offset = 0
    for run in text.split("?"):
        yield offset, run
        offset += len(run) + 1


class _Glob:
    """One compiled pattern: ``head * piece * ... * tail`` (``tail`` is None without a star)."""

    __slots__ = ("head", "pieces", "tail", "min_length")

    def __init__(self, pattern):
        parts = "".join(tokens(pattern)).split("*")
        self.head = _Template(parts[0])
        self.tail = _Template(parts[-1]) if len(parts) > 1 else None
        self.pieces = tuple(_Template(p) for p in parts[1:-1])
        self.min_length = sum(len(p) for p in parts)

    def matches(self, path):
        """True when the whole ``path`` matches (see the module docstring for why this is linear)."""
        n = len(path)
        if n < self.min_length or not self.head.at(path, 0):
            return False
        tail = self.tail
        if tail is None:
            return n == self.head.length
        end = n - tail.length
        if not tail.at(path, end):
            return False
        position = self.head.length
        for piece in self.pieces:
            found = piece.find(path, position, end)
            if found < 0:
                return False
            position = found + piece.length
        return True


@lru_cache(maxsize=4096)
def _compiled(pattern):
    return _Glob(pattern)


def matches(pattern: str, path: str) -> bool:
    """True when the request ``path`` (no query string) falls under ``pattern``."""
    if not path.startswith("/"):
        path = "/" + path
    return _compiled(pattern).matches(path)


class _Found:
    """What ``FirstMatch.fullmatch`` returns: ``lastindex`` is 1 + the winning pattern's index,
    as with the capturing-group regex this matcher replaced (``viewer.CompiledConfig`` reads it)."""

    __slots__ = ("lastindex",)

    def __init__(self, lastindex):
        self.lastindex = lastindex


class FirstMatch:
    """The first pattern of an ordered list that matches a path.

    Patterns whose head starts with three literal characters (``/im`` of ``/images/*``)
    can only match paths that start with them, so they are tried only for such paths:
    most paths try a few patterns, not all of them.
    """

    def __init__(self, pattern_list):
        self._globs = [_compiled(p) for p in pattern_list]
        self._found = [_Found(i + 1) for i in range(len(pattern_list))]
        buckets, wild = {}, []
        for index, glob in enumerate(self._globs):
            head = glob.head.runs[0][1] if glob.head.runs and glob.head.runs[0][0] == 0 else ""
            if len(head) >= 3:
                buckets.setdefault(head[1:3], []).append(index)
            else:
                wild.append(index)
        self._wild = tuple(wild)
        self._candidates = {key: tuple(sorted(indexes + wild)) for key, indexes in buckets.items()}

    def fullmatch(self, path: str) -> "_Found | None":
        """None, or an object whose ``lastindex`` is 1 + the index of the first matching pattern."""
        globs = self._globs
        for index in self._candidates.get(path[1:3], self._wild):
            if globs[index].matches(path):
                return self._found[index]
        return None


@lru_cache(maxsize=1024)
def first_match(pattern_list: tuple) -> "FirstMatch | None":
    """A matcher for an ordered tuple of patterns: ``first_match(ps).fullmatch(path).lastindex - 1``
    is the index of the first pattern matching ``path`` (``fullmatch`` returns None when none does);
    None for an empty tuple."""
    if not pattern_list:
        return None
    return FirstMatch(pattern_list)


def example_path(pattern: str) -> str:
    """A request path the pattern catches, to show users what it means."""
    path = normalize(pattern)
    if path == "/*":
        return "/index.html"
    return path.replace("*", "example").replace("?", "a")
