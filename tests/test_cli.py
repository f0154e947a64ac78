"""The command line, run as a user runs it: a subprocess with its own home folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def _run(args, home, check=True, **env_extra):
    env = {**os.environ, "KOMMUNEBENCH_HOME": str(home), "COLUMNS": "200", **env_extra}
    env.pop("KOMMUNEBENCH_DB", None)
    proc = subprocess.run(
        [sys.executable, "-m", "kommunebench.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    proc = _run(["demo", "--scale", "0.005"], home)
    return home, proc


def test_demo_generates_loads_and_prints_the_summary(demo_home):
    home, proc = demo_home
    assert (home / "warehouse.duckdb").exists()
    assert (home / "synth" / "persons.parquet").exists()
    out = proc.stdout
    assert "Læsø" in out and "København" in out and "Hele landet" in out
    assert "A-dagpenge mv." in out and "Kontanthjælp mv." in out
    assert "Offentliggjort 2022QMAT04" in out and "jobindsats.dk" in out  # the published list beside


def test_published_commands(demo_home, tmp_path):
    home, _ = demo_home
    check = _run(["published", "check", "--blocks"], home).stdout
    assert "4 lister: alle placeringer genskabt" in check and "Grupper af ens forskel" in check
    history = _run(["published", "history", "--kommune", "Herlev"], home).stdout
    assert "2022QMAT04" in history
    factors = sorted(str(p) for p in (Path(__file__).parent / "fixtures" / "dst_factors").glob("*.csv"))
    approx = _run(["published", "approximate", *factors], home).stdout
    assert "ikke ministeriets model" in approx and "Spearman" in approx
    bad = tmp_path / "Y30R21.csv"
    bad.write_text("Område;Periode;Ydelsesgrupper\nAtlantis;2022QMAT04;A-dagpenge mv.\n", "utf-8")
    proc = _run(["import", "jobindsats", str(bad)], home, check=False)
    assert proc.returncode == 2 and "mangler kolonne" in proc.stderr and str(bad) in proc.stderr


def test_status_and_reload_is_reported_not_doubled(demo_home):
    home, _ = demo_home
    first = _run(["status", "--period", "2023QMAT04"], home).stdout
    again = _run(["load", str(home / "synth")], home)
    assert "allerede indlæst" in again.stdout
    assert _run(["status", "--period", "2023QMAT04"], home).stdout == first


def test_domain_errors_are_one_clear_line(demo_home, tmp_path):
    home, _ = demo_home
    proc = _run(["status", "--period", "2023H2"], home, check=False)
    assert proc.returncode == 2
    assert "ÅÅÅÅQMATkk" in proc.stderr and "Traceback" not in proc.stderr
    bad = tmp_path / "persons.csv"
    bad.write_text(
        "person_id,year,kommunekode,age,sex,origin,education,family_type,health_contacts,prior_benefit_weeks\n"
        "1,2023,411,30,M,danish,basic,single,0,0\n",
        encoding="utf-8",
    )
    proc = _run(["load", f"persons={bad}"], home, check=False)
    assert proc.returncode == 2
    err = " ".join(proc.stderr.split())
    assert "persons.csv" in err and "kommunekode" in err and "411" in err and "Traceback" not in err


def test_synth_command_writes_a_snapshot(tmp_path):
    proc = _run(["synth", "--scale", "0.002", "--out", str(tmp_path / "s"), "--seed", "3"], tmp_path)
    assert (tmp_path / "s" / "benefit_weeks.parquet").exists()
    assert "Nationale andele" in proc.stdout


def test_load_and_run_in_one_command_stores_the_run_two_commands_store(demo_home, tmp_path):
    home, _ = demo_home
    one = _run(["load", str(home / "synth"), "--kør"], tmp_path / "one").stdout
    found = re.search(r"Kørsel (R\d+) er gemt: periode (\d{4}QMAT\d{2}), .* resultater ([0-9a-f]{12})", one)
    assert found, one
    assert "Indlæsning" in one and "Top 10" in one and f"kommunebench show {found.group(1)} --export" in one
    two = tmp_path / "two"
    _run(["load", str(home / "synth")], two)
    again = _run(["run", "--period", found.group(2), "--out", str(tmp_path / "x")], two).stdout
    assert f"resultater {found.group(3)}" in again  # the same results, bit for bit
    proc = _run(["load", str(home / "synth"), "--period", "2023QMAT04"], tmp_path / "three", check=False)
    assert proc.returncode == 2 and "--period bruges kun sammen med --kør" in proc.stderr
    assert not (tmp_path / "three" / "warehouse.duckdb").exists()
