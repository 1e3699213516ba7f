#!/usr/bin/env python3
"""Generate static/css/tokens.css from the vendored Cloudscape design tokens.

Input:  static/vendor/cloudscape-design-tokens/index-visual-refresh.json
        (from the npm package @cloudscape-design/design-tokens)
Output: static/css/tokens.css — one ``--cs-<token-name>`` CSS custom property
        per token, inside a single ``:root { ... }`` block.

Only one value per token is emitted:
  * colour tokens   ({"light", "dark"})            -> "light"
  * density tokens  ({"comfortable", "compact"})   -> "comfortable"
  * motion tokens   ({"default", "disabled"})      -> "default"
Context overrides (top navigation, flashbar, ...) are ignored.

Usage:  python3 scripts/build_tokens.py [--check]
  --check  exit 1 if tokens.css is out of date instead of writing it.

Stdlib only (Python 3.11+).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PACKAGE = "@cloudscape-design/design-tokens"
PACKAGE_VERSION = "3.0.110"  # keep in sync with static/vendor/README.md

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "static" / "vendor" / "cloudscape-design-tokens" / "index-visual-refresh.json"
TARGET = ROOT / "static" / "css" / "tokens.css"

PREFIX = "--cs-"
# Preferred mode key, in order, when a token value is a dict of modes.
MODE_PREFERENCE = ("light", "comfortable", "default")


def css_name(token: str) -> str:
    """Token name -> kebab-case custom property name with the --cs- prefix."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", token)  # camelCase -> camel-Case
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return PREFIX + name


def pick_value(token: str, value: object) -> str:
    if isinstance(value, dict):
        for mode in MODE_PREFERENCE:
            if mode in value:
                return pick_value(token, value[mode])
        raise ValueError(f"{token}: no known mode in {sorted(value)}")
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"{token}: unsupported value {value!r}")
    if any(ch in value for ch in ";{}\n"):
        raise ValueError(f"{token}: unsafe CSS value {value!r}")
    return value


def build() -> str:
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    tokens = data["tokens"]
    lines = [
        "/*",
        " * GENERATED FILE - DO NOT EDIT.",
        " * Built by scripts/build_tokens.py from",
        f" * {PACKAGE}@{PACKAGE_VERSION} ({SOURCE.relative_to(ROOT).as_posix()}).",
        " * Light mode / comfortable density values only.",
        " * Cloudscape design tokens: Copyright Amazon.com, Inc. or its affiliates,",
        " * Apache-2.0 (see static/vendor/cloudscape-design-tokens/LICENSE).",
        " */",
        ":root {",
    ]
    seen: dict[str, str] = {}
    for token in sorted(tokens):
        name = css_name(token)
        if name in seen:
            raise ValueError(f"{token}: name clash with {seen[name]} ({name})")
        seen[name] = token
        value = pick_value(token, tokens[token]["$value"])
        lines.append(f"  {name}: {value};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    css = build()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != css:
            print(f"{TARGET.relative_to(ROOT)} is out of date; run scripts/build_tokens.py")
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(css, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} ({css.count(PREFIX)} tokens)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
