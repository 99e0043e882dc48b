"""The command line starts without the heavy libraries only some commands need.

Every ``amicable`` invocation imports the CLI package: scikit-learn with SciPy (risk-model
training) and FastAPI with the API's routes (``serve``) cost seconds of CPU, so they are imported
by the commands that use them, not at start-up.
"""

from __future__ import annotations

import subprocess
import sys


def test_the_cli_package_imports_neither_scikit_learn_nor_the_http_api() -> None:
    probe = (
        "import sys, amicable.entrypoints.cli\n"
        "heavy = sorted(m for m in ('sklearn', 'scipy', 'fastapi', 'amicable.entrypoints.api')"
        " if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == ""
