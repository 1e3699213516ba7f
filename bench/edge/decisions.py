#!/usr/bin/env python
"""Microbenchmark: viewer-request decisions per second for a 25-behavior distribution, one core.

The distribution is the sandbox's large catalog (22 behaviors) plus three more:
25 cache behaviors and the default. Requests mix methods, HTTP and HTTPS, and
paths that land on every behavior, the default included (1,024 distinct
requests, cycled). Measured, alternately, for several rounds (medians printed):

- ``viewer.decide``: the reference implementation, reading the config dict each time;
- ``CompiledConfig.decide``: what the edge and trace_request use, a full Decision
  (reason, patterns tried, location);
- ``CompiledConfig.verdict``: status and behavior only, the edge's hot path
  before its per-path memo.

    .venv/bin/python bench/edge/decisions.py [--rounds 5] [--seconds 1.0]

Pure Python: no Django, no database. Exits 0 whether or not the target holds.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from distributions.cloudfront import viewer  # noqa: E402
from distributions.sandbox.fixtures import sandbox_configs  # noqa: E402

TARGET = 200_000
HOST = "d111111abcdef8.cloudfront.net"


def config_with_25_behaviors():
    config = next(c for c in sandbox_configs() if c["CallerReference"] == "sandbox-large-catalog")
    items = config["CacheBehaviors"]["Items"]
    template = items[-1]
    for pattern in ("/blog/*", "/static/*.css", "/feeds/*.xml"):
        items.append({**template, "PathPattern": pattern, "ViewerProtocolPolicy": "redirect-to-https"})
    config["CacheBehaviors"]["Quantity"] = len(items)
    assert len(items) == 25
    return config


def requests(config, count=1024, seed=4):
    rng = random.Random(seed)
    patterns = [b["PathPattern"] for b in config["CacheBehaviors"]["Items"]]
    paths = [p.replace("*", "x/item" + str(i)).replace("?", "q") for i, p in enumerate(patterns)]
    paths += ["/", "/index.html", "/about/team", "/products/42", "/p/reviews"]  # the default behavior
    methods = ["GET"] * 6 + ["HEAD", "POST", "OPTIONS", "DELETE"]
    return [
        (rng.choice(methods), rng.choice(["http", "https"]), rng.choice(paths) + rng.choice(["", "?v=2"]))
        for _ in range(count)
    ]


def measure(function, batch, seconds):
    done, started = 0, time.perf_counter()
    while True:
        for method, scheme, path in batch:
            function(method, scheme, path)
        done += len(batch)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    config = config_with_25_behaviors()
    compiled = viewer.CompiledConfig(config)
    batch = requests(config)
    for method, scheme, path in batch:  # the fast paths must agree with the reference
        bare, _, query = path.partition("?")
        assert compiled.decide(method, scheme, HOST, bare, query) == viewer.decide(
            config, method, scheme, HOST, bare, query
        )
    candidates = {
        "viewer.decide": lambda m, s, p: viewer.decide(config, m, s, HOST, p),
        "CompiledConfig.decide": lambda m, s, p: compiled.decide(m, s, HOST, p),
        "CompiledConfig.verdict": lambda m, s, p: compiled.verdict(m, s, p.partition("?")[0]),
    }
    results = {name: [] for name in candidates}
    print(f"25 cache behaviors + default, {len(batch)} distinct requests, {args.rounds} rounds of {args.seconds}s")
    for number in range(args.rounds):
        names = list(candidates)
        if number % 2:
            names.reverse()
        for name in names:
            results[name].append(measure(candidates[name], batch, args.seconds))
    for name, values in results.items():
        print(f"  {name:24} {statistics.median(values):>12,.0f} decisions/s (min {min(values):,.0f})")
    best = statistics.median(results["CompiledConfig.decide"])
    verdict = "holds" if best >= TARGET else "MISSED"
    print(f"target {TARGET:,}/s for full decisions (CompiledConfig.decide): {verdict}")


if __name__ == "__main__":
    main()
