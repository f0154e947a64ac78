"""Drill 5b (issue 10): the log-in back-off and the sessions hold for the whole server.

Both live in the server process's memory (``access/ratelimit.py``, ``access/sessions.py``), so
``serve`` runs exactly one process: ``--workers 2`` is refused with a Danish message before
anything listens (N workers would each keep their own counter, multiplying the back-off's
allowance by N, and a session opened in one would be unknown to the others).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_serve_refuses_more_than_one_worker(tmp_path) -> None:
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {
        **os.environ,
        "KOMMUNEBENCH_DB": str(tmp_path / "warehouse.duckdb"),
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
    }
    cmd = [sys.executable, "-m", "kommunebench.cli", "serve", "--port", "1", "--workers", "2"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "én proces" in proc.stderr and "--workers" in proc.stderr, proc.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()  # refused before the warehouse was touched
