"""``python -m roadmap``: the same entry point as the ``roadmap`` command."""

import sys

from roadmap.cli import main

sys.exit(main())
