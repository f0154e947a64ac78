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

from kommunebench.alerts import JoblogStatus, date_label_da, month_label_da
from kommunebench.cli_common import (
    AsOf,
    DbOption,
    as_of_date,
    console,
    count,
    db_path,
    err_console,
    keep_columns,
    new_table,
    pct,
    print_left_out,
    records,
)
from kommunebench.data import reference
from kommunebench.pipeline import joblog as jobs
from kommunebench.publish import criteria_months
from kommunebench.report import export_status, write_history_chart
from kommunebench.report.letters import write_letter_docx

__all__ = ["joblog_app"]

joblog_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="Opfølgning på jobloggen: smileys, handlingskriterier, sagslog, breve.",
)

Kommune = Annotated[str, typer.Argument(help="Kommune: navn (enhver kendt stavemåde) eller kommunekode.")]


def _dato(value: object) -> str:
    return date_label_da(pd.Timestamp(value).date())  # type: ignore[arg-type]


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


_STATUS_SECONDARY = ("Kode", "Grøn pct.", "Lysegrøn pct.", "Rød", "Omfattet", "K1", "K2 (mdr. i træk)", "K3 pct.")


def _criteria_cell(r: object, month: object) -> str:
    """The criteria met, each with the data month it refers to: "1 (marts 2023), 3 (december 2022)"."""
    labels = [c["label"] for c in criteria_months(vars(r), month)]  # type: ignore[arg-type]
    return f"[bold red]{', '.join(labels)}[/]" if labels else ""


def _status_table(st: JoblogStatus, f: pd.DataFrame) -> tuple[Table, list[str]]:
    right = ("Kode", "Målgruppe", "Grøn pct.", "Lysegrøn pct.", "Rød", "Rød pct.", "K3 pct.")
    title = (
        f"Joblog {month_label_da(st.month)} (offentliggjort {date_label_da(st.published_on)}), "
        f"opgjort pr. {date_label_da(st.as_of)}"
    )
    cols, left_out = keep_columns(_STATUS_COLUMNS, _STATUS_SECONDARY)
    table = new_table(title, cols, right=[c for c in right if c in cols])

    def add(values: tuple[str, ...]) -> None:
        table.add_row(*(v for c, v in zip(_STATUS_COLUMNS, values, strict=True) if c in cols))

    for r in records(f):
        red3 = ("[bold red]", "[/]") if r.criterion_3 else ("", "")
        add(
            (
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
                _criteria_cell(r, st.month),
                "ja" if r.review_list else "",
            )
        )
    n = st.national
    add(
        (
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
    )
    return table, left_out


@joblog_app.command()
def status(
    as_of: AsOf = None,
    export: Annotated[
        Path | None, typer.Option(help="Skriv også månedens tabel som CSV og Excel i denne mappe.")
    ] = None,
    flagged_only: Annotated[bool, typer.Option("--flagged-only", help="Vis kun kommuner med flag.")] = False,
    db: DbOption = None,
) -> None:
    """Flag pr. kommune for den seneste måned offentliggjort pr. --as-of (kommuner med flag først)."""
    ev = jobs.evaluate(as_of_date(as_of), db=db_path(db))
    st = ev.status
    th = st.thresholds
    f = st.frame.sort_values(
        ["flagged", "red_share", "kommunekode"], ascending=[False, False, True], na_position="last"
    )
    if flagged_only:
        f = f[f["flagged"]]
    table, left_out = _status_table(st, f)
    console.print(table)
    print_left_out(left_out)
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
    months: Annotated[int, typer.Option(help="Antal måneder.")] = 12,
    chart: Annotated[
        Path | None, typer.Option(help="Skriv et statisk HTML-diagram over smileyandelene (Plotly, virker offline).")
    ] = None,
    db: DbOption = None,
) -> None:
    """En kommunes smileys og kriterier måned for måned (de seneste 12 offentliggjorte måneder)."""
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
        f"Joblog {h.attrs['navn']} ({h.attrs['kommunekode']}), opgjort pr. {_dato(h.attrs['as_of'])}",
        cols,
        right=[c for c in cols if c not in ("Måned", "Kriterier")],
    )
    for r in records(h):
        c3 = "" if pd.isna(r.criterion_3) else ("ja" if r.criterion_3 else "nej")
        table.add_row(
            month_label_da(r.month.date()),
            date_label_da(r.published_on),
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
        console.print(f"Diagram: {write_history_chart(h, chart)}")


@joblog_app.command("log-action")
def log_action_cmd(
    kommune: Kommune,
    action: Annotated[
        str,
        typer.Option(
            help="phone_call, letter_manager, request_explanation, meeting, minister_letter eller spot_check."
        ),
    ],
    data_month: Annotated[str, typer.Option(help="Datamåneden handlingen svarer på, ÅÅÅÅ-MM (skal have joblogdata).")],
    by: Annotated[str, typer.Option("--by", help="Hvem registrerer handlingen.")],
    criterion: Annotated[
        str | None, typer.Option(help="Kriterium eller kriterier, handlingen svarer på: 1, 2, 3 eller fx '1,3'.")
    ] = None,
    note: Annotated[str, typer.Option(help="Note.")] = "",
    on: Annotated[str | None, typer.Option(help="Handlingens dato, ÅÅÅÅ-MM-DD (standard: i dag).")] = None,
    db: DbOption = None,
) -> None:
    """Føj en handling til sagsloggen (loggen kan ikke rettes eller slettes)."""
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
        f"[green]Registreret[/] som nr. {e['id']}: {e['navn']}, {date_label_da(e['action_date'])}, "
        f"{e['action_label']} (kriterium {e['criterion'] or '–'}, datamåned {month_label_da(e['data_month'])}), "
        f"registreret af {e['recorded_by']}."
    )


@joblog_app.command("case-log")
def case_log_cmd(
    kommune: Annotated[str | None, typer.Argument(help="Kommune (standard: alle).")] = None,
    db: DbOption = None,
) -> None:
    """Vis sagsloggen (kontrolleret mod dens hashkæde)."""
    f = jobs.case_log(kommune, db=db_path(db))
    table = new_table(
        "Sagslog: opfølgning på jobloggen",
        ("#", "Dato", "Kommune", "Handling", "Kriterium", "Datamåned", "Note", "Registreret af", "Registreret (UTC)"),
    )
    for r in records(f):
        table.add_row(
            str(r.id),
            date_label_da(r.action_date),
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
        console.print("Sagsloggen er tom.")


@joblog_app.command()
def propose(kommune: Kommune, as_of: AsOf = None, db: DbOption = None) -> None:
    """Foreslå næste skridt for en kommune, med dens historik."""
    p = jobs.propose(kommune, as_of=as_of_date(as_of), db=db_path(db))
    title = p.action_label or "Ingen handling"
    console.print(f"[bold]{p.navn} ({p.kommunekode}), pr. {date_label_da(p.as_of)}: {title}[/]")
    console.print(p.reason)
    if p.analyst_choice:
        console.print("Valget af handling er analytikerens.")
    table = new_table("Historik (andel rød smiley)", ("Måned", "Målgruppe", "Rød", "Rød pct.", "Kriterier"))
    for r in records(p.history):
        table.add_row(f"{r.month:%Y-%m}", count(r.target_group), count(r.red), pct(r.red_share), r.criteria)
    console.print(table)
    for r in records(p.contacts):
        console.print(
            f"  Kontakt {date_label_da(r.action_date)}: {r.action_label} (data {r.data_month:%Y-%m}, {r.recorded_by})"
        )


@joblog_app.command()
def letter(
    kommune: Kommune,
    action: Annotated[
        str,
        typer.Option(
            help="Hvilket brev: letter_manager, request_explanation, meeting, "
            "minister_letter, spot_check, phone_call (talepunkter)."
        ),
    ] = "letter_manager",
    as_of: AsOf = None,
    criterion: Annotated[str | None, typer.Option(help="Kriterium at henvise til (standard: de opfyldte).")] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            help="Skabelonfil eller -mappe (standard: indstillingen joblog_templates, ellers de medfølgende)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Skriv udkastet til denne fil i stedet for at vise det (.docx: et rigtigt Word-dokument)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Skriv et brevudkast på dansk, udfyldt med kommunens tal (advarer, når intet kriterium er opfyldt)."""
    text = jobs.letter(
        kommune, as_of=as_of_date(as_of), action=action, criterion=criterion, template=template, db=db_path(db)
    )
    warning = jobs.letter_warning(kommune, as_of=as_of_date(as_of), db=db_path(db))
    if warning:
        err_console.print(f"[bold yellow]advarsel:[/] {warning}", highlight=False, soft_wrap=True)
    if out is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return
    if out.suffix.lower() == ".docx":
        title = f"Brev til {reference.formal_name(reference.resolve_municipality(kommune))}"
        console.print(f"Brevudkast skrevet til {write_letter_docx(text, out, title=title)}")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    console.print(f"Brevudkast skrevet til {out}")


@joblog_app.command("review-list")
def review_list_cmd(
    year: Annotated[int, typer.Option(help="Året, der gennemgås.")],
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Kommuner med en målgruppe på 40 eller færre i en måned af året (årlig gennemgang)."""
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
        f"(data til og med {month_label_da(f.attrs['last_month'])})",
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
