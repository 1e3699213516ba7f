"""Command-line arguments every command can use: text, which a shell's bytes are not always.

On POSIX, Python decodes ``sys.argv`` with the ``surrogateescape`` error handler
(PEP 383): an argument that is not UTF-8 (``$'\\x80'``, a file name in Latin-1)
arrives holding lone surrogates, which no database, URL or JSON document can
encode. Checked once, in ``manage.py``, before any command runs: one line and
exit 1 instead of a ``UnicodeEncodeError`` traceback from the first query.

No command of the console takes free text (IDs, path patterns, URLs, usernames, file
names), so for them an argument holding a control character or a bidirectional
formatting character is refused the same way: echoed back in an error line, ESC
sequences would drive the terminal, a newline would forge a second line, and U+202E
would show the text reversed. Django's own commands are left alone (``shell -c`` takes
Python, newlines and all).
"""

import re
from functools import cache
from pathlib import Path

from django.core.management import find_commands

# The console's apps with commands: distributions, its API and its fleet remediation.
_COMMAND_FOLDERS = ("distributions", "distributions/api", "distributions/fleet")

# C0 controls (tab and newline included), DEL, C1 controls, and the bidirectional embeddings, overrides
# and isolates (Unicode's "Trojan Source" characters, CVE-2021-42574).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def undecodable(arguments: list[str]) -> str | None:
    """The first argument that is not valid UTF-8 text, shown as Python escapes it, or None."""
    for argument in arguments:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            return ascii(argument)
    return None


def control_character(arguments: list[str]) -> tuple[str, str] | None:
    """The first argument holding a control or bidirectional formatting character, escaped, and that character
    as U+XXXX; or None."""
    for argument in arguments:
        found = _CONTROL.search(argument)
        if found:
            return ascii(argument), f"U+{ord(found.group()):04X}"
    return None


@cache
def console_commands() -> frozenset[str]:
    """The names of the console's own management commands (not Django's)."""
    root = Path(__file__).resolve().parent.parent
    return frozenset(name for folder in _COMMAND_FOLDERS for name in find_commands(str(root / folder / "management")))


def refusal(arguments: list[str]) -> str | None:
    """The one line a command run with these arguments must answer instead of running, or None."""
    shown = undecodable(arguments)
    if shown is not None:
        return f"CommandError: the argument {shown} is not valid UTF-8 text; no command can use it."
    found = control_character(arguments) if arguments and arguments[0] in console_commands() else None
    if found is not None:
        return f"CommandError: the argument {found[0]} holds the control character {found[1]}; no command can use it."
    return None
