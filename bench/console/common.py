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


def cpu_snapshot(master_pid):
    """``(CPU seconds of the master's children, machine busy seconds, machine total seconds, 1-min load)``
    from /proc, to say how much CPU the gunicorn workers used and how busy the whole machine was meanwhile."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    workers = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:
            workers += int(fields[11]) + int(fields[12])  # utime + stime
    cpu = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = cpu[3] + cpu[4]
    return workers / tick, (sum(cpu) - idle) / tick, sum(cpu) / tick, os.getloadavg()[0]


def cpu_line(before, after, requests, locust=0.0):
    """One sentence: the workers' CPU per request and the machine's load while the run lasted."""
    workers = after[0] - before[0]
    busy, total = after[1] - before[1], (after[2] - before[2]) or 1
    per_request = 1000 * workers / requests if requests else 0
    return (
        f"CPU: the gunicorn workers used {workers:.1f} s of CPU for {requests} requests "
        f"({per_request:.1f} ms each), {100 * workers / total:.0f} % of the machine; locust {locust:.1f} s "
        f"({100 * locust / total:.0f} %); the machine was "
        f"{100 * busy / total:.0f} % busy (every process); load average (1 min) {before[3]:.2f} before, {after[3]:.2f} after."
    )
