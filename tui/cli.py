"""Argument parsing and the entry point of `workmail-export` (placeholder until issue 2 lands)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from tui import __version__

    args = sys.argv[1:] if argv is None else argv
    if "--version" in args:
        print(f"workmail-export {__version__}")
        return 0
    print("workmail-export: not built yet", file=sys.stderr)
    return 1
