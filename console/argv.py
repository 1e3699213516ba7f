"""Command-line arguments every command can use: text, which a shell's bytes are not always.

On POSIX, Python decodes ``sys.argv`` with the ``surrogateescape`` error handler
(PEP 383): an argument that is not UTF-8 (``$'\\x80'``, a file name in Latin-1)
arrives holding lone surrogates, which no database, URL or JSON document can
encode. Checked once, in ``manage.py``, before any command runs: one line and
exit 1 instead of a ``UnicodeEncodeError`` traceback from the first query.
"""


def undecodable(arguments: list[str]) -> str | None:
    """The first argument that is not valid UTF-8 text, shown as Python escapes it, or None."""
    for argument in arguments:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            return ascii(argument)
    return None


def refusal(arguments: list[str]) -> str | None:
    """The one line a command run with these arguments must answer instead of running, or None."""
    shown = undecodable(arguments)
    if shown is None:
        return None
    return f"CommandError: the argument {shown} is not valid UTF-8 text; no command can use it."
