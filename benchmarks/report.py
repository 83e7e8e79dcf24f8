"""The benchmark's records as a Markdown table, for the README's Performance section.

    python -m benchmarks.report [build/bench.json]

prints the machine line and one row per task, with the figures exactly as
``build/bench.json`` holds them, so that the README never carries a hand-copied figure.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .run import COLUMNS

HEADER = (
    "task",
    "articles",
    "median s",
    "peak MB",
    "anchor",
    "anchor s",
    "anchor MB",
    "ratio",
    "rows/s",
)
KEYS = (*COLUMNS, "rows_per_s")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def markdown(records: list[dict[str, Any]]) -> str:
    """The machine, then the table."""
    lines = []
    machine = next((r for r in records if r.get("task") == "machine"), None)
    if machine:
        said = {k: v for k, v in machine.items() if k not in ("task", "articles")}
        lines += [", ".join(f"{k}: {v}" for k, v in said.items() if v is not None), ""]
    lines.append("| " + " | ".join(HEADER) + " |")
    lines.append("|" + "---|" * len(HEADER))
    for record in records:
        if record.get("task") == "machine":
            continue
        lines.append("| " + " | ".join(_cell(record.get(k)) for k in KEYS) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0] if args else "build/bench.json")
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"benchmarks.report: cannot read {path}: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(markdown(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
