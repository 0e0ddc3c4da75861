"""``python -m roadmap``: the same command as ``roadmap``."""

from roadmap.cli import main

raise SystemExit(main())
