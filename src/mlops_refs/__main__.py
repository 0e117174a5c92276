"""``python -m mlops_refs``: the command-line tool."""

from .cli import run

raise SystemExit(run())
