"""JSON documents a person hands the console (``import_distribution``, ``check_distribution``), read strictly.

A file is read the way CloudFront reads a request body, not the way Python's
``json`` module is lenient:

- **Limits before parsing.** At most ``MAX_BYTES`` (1 MiB: a config at every
  default quota, 100 origins, 75 behaviors and 100 aliases, is about a third of
  that; CloudFront publishes no body limit for CreateDistribution, only 20,480
  bytes for a viewer request's headers), nested at most ``MAX_DEPTH`` levels
  (botocore's model nests a ``get-distribution`` document 10 levels deep).
- **What JSON itself forbids**, which ``json`` accepts: ``NaN``, ``Infinity``,
  duplicate members (RFC 8259 section 4: names "SHOULD be unique"; CloudFront's
  XML parser refuses a repeated element), lone UTF-16 surrogates and bytes that
  are not UTF-8 (RFC 8259 section 8.1), numbers too long to be any of the
  model's integers.
- **botocore's model, strictly**: the document is a ``get-distribution-config``
  answer, a ``get-distribution`` answer or a bare ``DistributionConfig``, and
  every member is checked against its shape (``service_model.violations`` with
  ``strict``: unknown members are refused, as botocore's parameter validation
  refuses them before a request leaves the AWS CLI).

Every refusal is a ``DocumentError`` naming the member by its path in the
document (``DistributionConfig.Origins.Items[0].Id``), or none when the file has
no usable top-level object.
"""

import json
import math
import re
from collections.abc import Iterable

from . import service_model

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
# The model's largest integers are 64-bit (19 digits); anything much longer is not a number CloudFront reads,
# and Python refuses to convert integers past 4,300 digits anyway.
MAX_DIGITS = 40
FORMS = (
    # (the member that marks the form, the model's shape of the document, where the DistributionConfig is)
    ("Distribution", "GetDistributionResult", ("Distribution", "DistributionConfig")),
    ("DistributionConfig", "GetDistributionConfigResult", ("DistributionConfig",)),
)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],]')
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class DocumentError(Exception):
    """A document refused, with the path of the member at fault (None: the document as a whole)."""

    def __init__(self, problem: str, path: tuple | None = None):
        self.problem = problem
        self.path = tuple(path) if path else None
        super().__init__(self.line)

    @property
    def field(self) -> str | None:
        return service_model.field_path(self.path) if self.path else None

    @property
    def line(self) -> str:
        return f"{self.field}: {self.problem}" if self.path else self.problem


class _Unreadable:
    """A value ``json`` would have turned into something CloudFront cannot hold (NaN, a 5,000-digit number)."""

    def __init__(self, problem):
        self.problem = problem


class _Duplicated(dict):
    """An object in which ``repeated`` appeared more than once (``json`` keeps the last silently)."""

    def __init__(self, pairs, repeated):
        super().__init__(pairs)
        self.repeated = repeated


def _object(pairs):
    names = [name for name, _ in pairs]
    if len(set(names)) == len(names):
        return dict(pairs)
    seen = set()
    return _Duplicated(pairs, next(name for name in names if name in seen or seen.add(name)))


def _int(text):
    return int(text) if len(text.lstrip("-")) <= MAX_DIGITS else _Unreadable("number out of range")


def _float(text):
    value = float(text) if len(text) <= MAX_DIGITS * 2 else math.inf
    return value if math.isfinite(value) else _Unreadable("number out of range")


def _constant(name):
    return _Unreadable(f"{name} is not a number CloudFront accepts (JSON has no {name})")


def form(names: Iterable[str]) -> tuple[str, tuple]:
    """(the model's shape of the document, the path of its DistributionConfig) from its top-level member names."""
    names = list(names)
    for marker, shape_name, config_path in FORMS:
        if marker in names:
            return shape_name, config_path
    bare = service_model.shape("DistributionConfig").members
    if "ETag" in names or not any(name in bare for name in names):
        return FORMS[1][1:]  # not a bare config: say what is missing rather than every member of one
    return "DistributionConfig", ()


def _too_deep(text):
    """The path to the first container nested deeper than MAX_DEPTH, or None; scans tokens, so it never
    recurses whatever the nesting (``json`` raises RecursionError at about 1,000 levels)."""
    stack = []  # per open container: [kind, the current member name or index, expecting a member name]
    for match in _TOKEN.finditer(text):
        token = match.group()
        top = stack[-1] if stack else None
        if token in ("{", "["):
            if len(stack) >= MAX_DEPTH:
                return tuple(frame[1] for frame in stack)
            stack.append([token, None, True] if token == "{" else [token, 0, False])
        elif token in ("}", "]"):
            if stack:
                stack.pop()
        elif token == ",":
            if top and top[0] == "[":
                top[1] += 1
            elif top:
                top[2] = True
        elif top and top[0] == "{" and top[2]:
            try:
                top[1] = json.loads(token)
            except ValueError:
                top[1] = token[1:-1]
            top[2] = False
    return None


def _decode(raw):
    try:
        return raw.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        # Keep the bad bytes as U+DC80..U+DCFF so that the member holding them can be named.
        return raw.decode("utf-8-sig", "surrogateescape"), True


def _text_problem(text, escaped):
    if escaped and _ESCAPED_BYTES.search(text):
        return "not valid UTF-8"
    if _SURROGATE.search(text):
        return "lone UTF-16 surrogate, not a valid character"
    return None


def _unreadable(node, path, escaped):
    """The first value ``json`` let through that CloudFront could not read: (path, problem) or None."""
    if isinstance(node, _Unreadable):
        return path, node.problem
    if isinstance(node, str):
        problem = _text_problem(node, escaped)
        return (path, problem) if problem else None
    if isinstance(node, _Duplicated):
        return (*path, node.repeated), "duplicate member"
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        problem = isinstance(key, str) and _text_problem(key, escaped)
        if problem:
            return (*path, key), f"member name: {problem}"
        found = _unreadable(value, (*path, key), escaped)
        if found:
            return found
    return None


def parse(raw: bytes) -> object:
    """The JSON value in ``raw``, or DocumentError for what CloudFront could not read (see the module)."""
    if len(raw) > MAX_BYTES:
        raise DocumentError(f"file too large: more than {MAX_BYTES:,} bytes")
    text, escaped = _decode(raw)
    if not text.strip():
        raise DocumentError("empty file, not JSON")
    deep = _too_deep(text)
    if deep is not None:
        kept = service_model.described_prefix(deep, form(deep[:1])[0])
        raise DocumentError(f"nesting too deep (more than {MAX_DEPTH} levels)", kept)
    try:
        value = json.loads(
            text, object_pairs_hook=_object, parse_int=_int, parse_float=_float, parse_constant=_constant
        )
    except json.JSONDecodeError as exc:
        raise DocumentError(f"not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    except RecursionError:  # pragma: no cover - _too_deep stops far sooner
        raise DocumentError(f"nesting too deep (more than {MAX_DEPTH} levels)") from None
    found = _unreadable(value, (), escaped)
    if found:
        raise DocumentError(found[1], found[0])
    return value


def _preview(value):
    if isinstance(value, str):
        return ascii(value if len(value) <= 40 else value[:40] + "...")
    return repr(value) if isinstance(value, bool | int | float) else None


def distribution_config(document: object, strict: bool = True) -> tuple[dict, tuple]:
    """The DistributionConfig in a parsed document and its path there; DocumentError for a document
    that is not one of the three forms or breaks botocore's model anywhere (``strict``: members the
    model does not know included)."""
    if not isinstance(document, dict):
        kind = "null" if document is None else service_model.kind_of(document)
        raise DocumentError(f"the top level must be a JSON object, not {kind}")
    shape_name, config_path = form(document)
    found = [
        v
        for v in service_model.violations(document, shape_name, strict=strict)
        # Around the DistributionConfig, an answer trimmed by hand ({"Distribution": {"DistributionConfig": …}})
        # is fine: only what is there is checked.
        if v.path[: len(config_path)] == config_path or v.problem != "missing required member"
    ]
    if found:
        first = found[0]
        preview = _preview(first.value) if first.problem.startswith(("expected", "not one of")) else None
        raise DocumentError(f"{first.problem} ({preview})" if preview else first.problem, first.path)
    config = document
    for name in config_path:
        present = name in config
        config = config[name] if present else None
        if config is None:
            raise DocumentError("expected an object, got null" if present else "missing required member", config_path)
    return config, config_path


def read_distribution_config(path: str, strict: bool = True) -> tuple[dict, tuple]:
    """``distribution_config(parse(...))`` of a file, reading no more than MAX_BYTES + 1 bytes of it.

    Raises OSError when the file cannot be read, DocumentError when it is refused.
    """
    with open(path, "rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    return distribution_config(parse(raw), strict)
