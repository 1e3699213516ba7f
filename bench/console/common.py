"""What the console benchmark's scripts share: paths, logging to stderr, Markdown tables, percentiles."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent.parent
VENV_BIN = Path(sys.executable).parent


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def table(headers, rows, align=None):
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values):
        out = []
        for value, width, a in zip(values, widths, align, strict=False):
            out.append(value.rjust(width) if a == "r" else value.ljust(width))
        return "| " + " | ".join(out) + " |"

    rule = (
        "|"
        + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2)) for w, a in zip(widths, align, strict=False))
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(r) for r in cells)])


def ms(value):
    return f"{value:.1f}"


def percentile(values, pct):
    values = sorted(values)
    return values[max(0, int(round(pct / 100 * len(values))) - 1)]
