"""``kommunebench joblog ...``: the joblog follow-up on the command line (a thin edge over the joblog
pipeline, :mod:`kommunebench.pipeline.joblog`, and the report stage's joblog exports).

Registered in :mod:`kommunebench.cli` as the sub-app ``joblog``; domain errors are turned into one
line by ``cli.main``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from kommunebench.alerts import JoblogStatus, month_label_da
from kommunebench.cli_common import AsOf, DbOption, as_of_date, console, count, db_path, new_table, pct, records
from kommunebench.pipeline import joblog as jobs
from kommunebench.report import export_status, write_history_chart
from kommunebench.report.letters import write_letter_docx

__all__ = ["joblog_app"]

joblog_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode="rich", help="Joblog follow-up: smileys, action criteria, case log, letters."
)

Kommune = Annotated[str, typer.Argument(help="Municipality: name (any known spelling) or kommunekode.")]


def _yes(v: object) -> str:
    return "[bold red]ja[/]" if bool(v) else ""


_STATUS_COLUMNS = (
    "Kode",
    "Kommune",
    "Målgruppe",
    "Grøn pct.",
    "Lysegrøn pct.",
    "Rød",
    "Rød pct.",
    "Omfattet",
    "K1",
    "K2 (mdr. i træk)",
    "K3 pct.",
    "Kriterier",
    "Årlig gennemgang",
)


def _status_table(st: JoblogStatus, f: pd.DataFrame) -> Table:
    right = ("Kode", "Målgruppe", "Grøn pct.", "Lysegrøn pct.", "Rød", "Rød pct.", "K3 pct.")
    title = (
        f"Joblog {month_label_da(st.month)} (offentliggjort {st.published_on.isoformat()}), "
        f"opgjort pr. {st.as_of.isoformat()}"
    )
    table = new_table(title, _STATUS_COLUMNS, right=right)
    for r in records(f):
        red3 = ("[bold red]", "[/]") if r.criterion_3 else ("", "")
        table.add_row(
            str(r.kommunekode),
            r.navn,
            count(r.target_group),
            pct(r.green_share),
            pct(r.light_green_share),
            count(r.red),
            pct(r.red_share),
            "ja" if r.eligible else "",
            _yes(r.criterion_1),
            f"{'[bold red]ja[/] ' if r.criterion_2 else ''}({r.c2_run})",
            red3[0] + pct(r.c3_share) + red3[1],
            f"[bold red]{r.criteria}[/]" if r.flagged else "",
            "ja" if r.review_list else "",
        )
    n = st.national
    table.add_row(
        "",
        "[bold]Hele landet[/]",
        count(n["target_group"]),
        pct(n["green_share"]),
        pct(n["light_green_share"]),
        count(n["red"]),
        pct(n["red_share"]),
        str(n["eligible"]),
        str(n["criterion_1"]),
        str(n["criterion_2"]),
        str(n["criterion_3"]),
        f"{n['flagged']} kommuner",
        str(n["review_list"]),
    )
    return table


@joblog_app.command()
def status(
    as_of: AsOf = None,
    export: Annotated[
        Path | None, typer.Option(help="Also write the month's table as CSV and Excel into this folder.")
    ] = None,
    flagged_only: Annotated[bool, typer.Option("--flagged-only", help="Show only flagged municipalities.")] = False,
    db: DbOption = None,
) -> None:
    """Flags per municipality for the latest month published by --as-of (flagged first)."""
    ev = jobs.evaluate(as_of_date(as_of), db=db_path(db))
    st = ev.status
    th = st.thresholds
    f = st.frame.sort_values(
        ["flagged", "red_share", "kommunekode"], ascending=[False, False, True], na_position="last"
    )
    if flagged_only:
        f = f[f["flagged"]]
    console.print(_status_table(st, f))
    c3m = month_label_da(f["c3_month"].iloc[0].date()) if len(f) else ""
    console.print(
        f"{st.national['flagged']} kommuner opfylder mindst ét handlingskriterium. Omfattet: mindst "
        f"{th.min_red} røde og en målgruppe over {th.min_target_group}. K3 er opgjort for "
        f"{c3m} (opfølgning {th.c3_months_after} måneder efter)."
    )
    for proposal in ev.actions:
        console.print(f"  Næste skridt for {proposal.navn} ({proposal.kommunekode}): {proposal.action_label}")
    if export is not None:
        for kind, p in export_status(st, export).items():
            console.print(f"  {kind}: {p}")


@joblog_app.command()
def history(
    kommune: Kommune,
    as_of: AsOf = None,
    months: Annotated[int, typer.Option(help="Number of months.")] = 12,
    chart: Annotated[
        Path | None, typer.Option(help="Write a static HTML chart of the smiley shares (Plotly, works offline).")
    ] = None,
    db: DbOption = None,
) -> None:
    """A municipality's monthly smileys and criteria (the last 12 published months)."""
    h = jobs.history(kommune, as_of=as_of_date(as_of), months=months, db=db_path(db))
    cols = (
        "Måned",
        "Offentliggjort",
        "Målgruppe",
        "Grøn",
        "Lysegrøn",
        "Rød",
        "Rød pct.",
        "Omfattet",
        "K1",
        "K2",
        "K3 pct.",
        "K3",
        "Kriterier",
    )
    table = new_table(
        f"Joblog {h.attrs['navn']} ({h.attrs['kommunekode']}), opgjort pr. {h.attrs['as_of']}",
        cols,
        right=[c for c in cols if c not in ("Måned", "Kriterier")],
    )
    for r in records(h):
        c3 = "" if pd.isna(r.criterion_3) else ("ja" if r.criterion_3 else "nej")
        table.add_row(
            month_label_da(r.month.date()),
            r.published_on.isoformat(),
            count(r.target_group),
            count(r.green),
            count(r.light_green),
            count(r.red),
            pct(r.red_share),
            "ja" if r.eligible else "",
            _yes(r.criterion_1),
            _yes(r.criterion_2),
            pct(r.c3_share),
            c3,
            r.criteria,
        )
    console.print(table)
    if chart is not None:
        console.print(f"Chart: {write_history_chart(h, chart)}")


@joblog_app.command("log-action")
def log_action_cmd(
    kommune: Kommune,
    action: Annotated[
        str,
        typer.Option(help="phone_call, letter_manager, request_explanation, meeting, minister_letter or spot_check."),
    ],
    data_month: Annotated[str, typer.Option(help="The data month the action answers, YYYY-MM.")],
    by: Annotated[str, typer.Option("--by", help="Who records the action.")],
    criterion: Annotated[
        str | None, typer.Option(help="Criterion or criteria answered: 1, 2, 3 or e.g. '1,3'.")
    ] = None,
    note: Annotated[str, typer.Option(help="Note.")] = "",
    on: Annotated[str | None, typer.Option(help="Date of the action, YYYY-MM-DD (default today).")] = None,
    db: DbOption = None,
) -> None:
    """Append an action to the case log (the log cannot be edited or deleted)."""
    e = jobs.record_case_action(
        kommunekode=kommune,
        action=action,
        criterion=criterion,
        data_month=data_month,
        note=note,
        recorded_by=by,
        on=on,
        db=db_path(db),
    )
    console.print(
        f"[green]Logged[/] #{e['id']}: {e['navn']} {e['action_date'].isoformat()} "
        f"{e['action_label']} (kriterium {e['criterion'] or '-'}, data {e['data_month']:%Y-%m}), "
        f"registreret af {e['recorded_by']}."
    )


@joblog_app.command("case-log")
def case_log_cmd(
    kommune: Annotated[str | None, typer.Argument(help="Municipality (default: all).")] = None,
    db: DbOption = None,
) -> None:
    """Show the case log (verified against its hash chain)."""
    f = jobs.case_log(kommune, db=db_path(db))
    table = new_table(
        "Sagslog: opfølgning på jobloggen",
        ("#", "Dato", "Kommune", "Handling", "Kriterium", "Datamåned", "Note", "Registreret af", "Registreret (UTC)"),
    )
    for r in records(f):
        table.add_row(
            str(r.id),
            r.action_date.isoformat(),
            r.navn,
            r.action_label,
            r.criterion or "",
            f"{r.data_month:%Y-%m}",
            r.note,
            r.recorded_by,
            f"{r.recorded_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)
    if f.empty:
        console.print("The case log is empty.")


@joblog_app.command()
def propose(kommune: Kommune, as_of: AsOf = None, db: DbOption = None) -> None:
    """Propose the next step for a municipality, with its history."""
    p = jobs.propose(kommune, as_of=as_of_date(as_of), db=db_path(db))
    title = p.action_label or "Ingen handling"
    console.print(f"[bold]{p.navn} ({p.kommunekode}), pr. {p.as_of.isoformat()}: {title}[/]")
    console.print(p.reason)
    if p.analyst_choice:
        console.print("Valget af handling er analytikerens.")
    table = new_table("Historik (andel rød smiley)", ("Måned", "Målgruppe", "Rød", "Rød pct.", "Kriterier"))
    for r in records(p.history):
        table.add_row(f"{r.month:%Y-%m}", count(r.target_group), count(r.red), pct(r.red_share), r.criteria)
    console.print(table)
    for r in records(p.contacts):
        console.print(
            f"  Kontakt {r.action_date.isoformat()}: {r.action_label} (data {r.data_month:%Y-%m}, {r.recorded_by})"
        )


@joblog_app.command()
def letter(
    kommune: Kommune,
    action: Annotated[
        str,
        typer.Option(
            help="Which letter: letter_manager, request_explanation, meeting, "
            "minister_letter, spot_check, phone_call (talking points)."
        ),
    ] = "letter_manager",
    as_of: AsOf = None,
    criterion: Annotated[str | None, typer.Option(help="Criterion to cite (default: those met).")] = None,
    template: Annotated[
        Path | None,
        typer.Option(help="Template file or folder (default: setting joblog_templates, else the shipped ones)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Write the draft to this file instead of printing it (.docx: a real Word document)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Draft a letter in Danish, filled with the municipality's figures."""
    text = jobs.letter(
        kommune, as_of=as_of_date(as_of), action=action, criterion=criterion, template=template, db=db_path(db)
    )
    if out is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return
    if out.suffix.lower() == ".docx":
        console.print(f"Brevudkast skrevet til {write_letter_docx(text, out, title=f'Brev til {kommune}')}")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    console.print(f"Draft written to {out}")


@joblog_app.command("review-list")
def review_list_cmd(
    year: Annotated[int, typer.Option(help="The year reviewed.")],
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Municipalities with a target group of 40 or fewer in a month of the year (yearly review)."""
    f = jobs.review_list(year, as_of=None if as_of is None else as_of_date(as_of), db=db_path(db))
    cols = (
        "Kode",
        "Kommune",
        "Måneder",
        "Mdr. ≤ 40",
        "Målgruppe min/gns/maks",
        "Rød pct. (året)",
        "Højeste rød pct.",
        "Mdr. ≥ K1-grænse",
        "Længste K2-forløb",
    )
    table = new_table(
        f"Årlig gennemgang {year}: kommuner med en målgruppe på 40 eller færre "
        f"(data til og med {f.attrs['last_month']:%Y-%m})",
        cols,
        right=[c for c in cols if c != "Kommune"],
    )
    for r in records(f):
        table.add_row(
            str(r.kommunekode),
            r.navn,
            str(r.months),
            str(r.months_at_or_under),
            f"{r.min_target_group}/{r.mean_target_group:.1f}/{r.max_target_group}".replace(".", ","),
            pct(r.red_share),
            pct(r.max_red_share),
            str(r.months_red_share_c1),
            str(r.max_c2_run),
        )
    console.print(table)
    console.print(f"{len(f)} kommuner på listen.")
