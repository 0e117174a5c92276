"""``python -m mlops_refs``: the command-line tool."""

from .cli import main

raise SystemExit(main())
