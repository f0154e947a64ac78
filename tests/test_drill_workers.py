"""Drill 5b (issue 10): the log-in back-off and the sessions hold for the whole server.

Both live in the server process's memory (``access/ratelimit.py``, ``access/sessions.py``), so
``serve`` runs exactly one process: ``--workers 2`` is refused with a Danish message before
anything listens or the warehouse is touched (N workers would each keep their own counter,
multiplying the back-off's allowance by N, and a session opened in one would be unknown to the
others).
"""

from __future__ import annotations

from typer.testing import CliRunner

from kommunebench.cli import app
from kommunebench.errors import ConfigError


def test_serve_refuses_more_than_one_worker(tmp_path) -> None:
    db = tmp_path / "warehouse.duckdb"
    result = CliRunner().invoke(app, ["serve", "--db", str(db), "--port", "1", "--workers", "2"])
    assert isinstance(result.exception, ConfigError), result.output
    assert "én proces" in str(result.exception) and "--workers" in str(result.exception)
    assert not db.exists()  # refused before the warehouse was created
