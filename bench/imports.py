"""Cold import time (a proxy for Lambda cold start): the webhook module against aiogram alone."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5


def cold_import_seconds(statement: str, runs: int = RUNS) -> float:
    """Median wall time of ``statement`` in a fresh interpreter, minus an empty interpreter's start."""

    def measure(code: str) -> float:
        timer = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
        output = subprocess.run(  # noqa: S603 - fixed interpreter and code
            [sys.executable, "-c", timer], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        return float(output.strip().splitlines()[-1])

    return statistics.median(measure(statement) for _ in range(runs))
