"""networkx and matplotlib stay off the start-up path (RISKS 15)."""

from __future__ import annotations

import subprocess
import sys


def test_graph_package_and_cli_import_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "import roadmap.graph, roadmap.graph.review, roadmap.graph.export\n"
        "import roadmap.cli.commands_graph\n"
        "heavy = sorted(m for m in ('networkx', 'matplotlib', 'numpy', 'textual') "
        "if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
