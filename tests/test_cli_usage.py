"""The command line's own errors in Danish (issue 12, item 6): the parser's errors and a load refusal.

The real app through :func:`kommunebench.cli.main` in this process (the arguments in ``sys.argv``
as a shell would set them), its stderr read back: the usage line, the help hint and one ``fejl:``
line in Danish, never the parser's English, exit code 2.
"""

from __future__ import annotations

import sys

import pytest

from kommunebench import cli
from kommunebench.cli_usage import danish_click_message
from kommunebench.data.schemas import KINDS

ENGLISH = ("Usage:", "Error", "Missing", "No such", "Invalid value", "unexpected extra", "Try ", "Input should")

CASES = [
    (["run"], "Mangler tilvalget '--period'."),
    (["findesikke"], "Ukendt kommando 'findesikke'."),
    (["staus"], "Ukendt kommando 'staus'. Mente du 'status'?"),
    (["load", "--dbx", "x"], "Ukendt tilvalg '--dbx'. Mente du --db?"),
    (["serve", "--port", "abc"], "Ugyldig værdi for '--port': skal være et helt tal."),
    (["version", "ekstra"], "Uventet ekstra argument (ekstra)."),
    (["status", "a", "b"], "Uventede ekstra argumenter (a b)."),
    (["load"], "Mangler argumentet 'sources'."),
]


def _main(monkeypatch, capsys, args: list[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["kommunebench", *args])
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as exc:
        cli.main()
    code = exc.value.code
    return (code if isinstance(code, int) else 1), " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(("args", "danish"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_the_parsers_errors_are_danish(monkeypatch, capsys, args, danish):
    code, err = _main(monkeypatch, capsys, args)
    assert code == 2, err
    assert f"fejl: {danish}" in err, err
    assert not [w for w in ENGLISH if w in err], err
    if args[0] != "run":  # an option without its value is refused before the command is known
        assert err.startswith("Brug: kommunebench") and "for hjælp." in err, err


def test_a_message_the_table_does_not_know_is_printed_as_is():
    assert danish_click_message("Something new in click 9.") == "Something new in click 9."
    assert danish_click_message("Invalid value for '--x': 'q' is not one of 'a', 'b'.") == (
        "Ugyldig værdi for '--x': 'q' er ikke en af 'a', 'b'."
    )


def test_a_load_refusal_names_file_row_column_and_rule_in_danish(monkeypatch, capsys, tmp_path):
    folder = tmp_path / "snap"
    folder.mkdir()
    header = ",".join(KINDS["persons"].column_names)
    good = "1,2023,101,40,M,danish,basic,single,0,0"
    (folder / "persons.csv").write_text(f"{header}\n{good}\n12x{good[1:]}\n", encoding="utf-8")
    code, err = _main(monkeypatch, capsys, ["load", str(folder), "--db", str(tmp_path / "w.duckdb")])
    assert code == 2
    assert "fejl: persons.csv, række 2 (linje 3), kolonne 'person_id': ikke et helt tal (fundet '12x')" in err, err


@pytest.mark.parametrize("args", [[], ["synth"], ["joblog"], ["joblog", "letter"], ["run"]], ids=str)
def test_help_screens_have_a_danish_usage_line(monkeypatch, capsys, args):
    monkeypatch.setattr(sys, "argv", ["kommunebench", *args, "--help"])
    monkeypatch.setenv("COLUMNS", "100")
    try:
        cli.main()
    except SystemExit as exc:
        assert not exc.code, exc.code
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith(" ".join(["Brug: kommunebench", *args, "[TILVALG]"])), out[:200]
    assert "Usage:" not in out and "[OPTIONS]" not in out and "COMMAND [ARGS]" not in out, out[:200]
