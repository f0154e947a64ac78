"""The command line for real published data: ``import jobindsats``, ``fetch jobindsats``,
``published check`` and ``published history`` (a thin edge over :mod:`kommunebench.pipeline.published`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from kommunebench import pipeline
from kommunebench.cli_common import DbOption, area_label, console, db_path, new_table, records
from kommunebench.data import reference
from kommunebench.errors import ConfigError, NotFoundError, ReferenceDataError
from kommunebench.pipeline.published import FetchReport
from kommunebench.publish import PublicRun, format_number_da, rounded_frame, signed_da
from kommunebench.publish.jobindsats import total_gap_note
from kommunebench.published import ImportReport
from kommunebench.published.coverage import missing_text

__all__ = ["register", "print_beside", "print_published_note"]

import_app = typer.Typer(no_args_is_help=True, help="Importér offentliggjorte tal (jobindsats).")
fetch_app = typer.Typer(no_args_is_help=True, help="Hent offentliggjorte tal direkte fra jobindsats' API.")
published_app = typer.Typer(no_args_is_help=True, help="Offentliggjorte kørsler: genskabelse og placering over tid.")


def register(app: typer.Typer) -> None:
    """Add the commands to the main app (one line in ``cli.py``)."""
    app.add_typer(import_app, name="import", help="Importér offentliggjorte tal: 'import jobindsats FIL…'.")
    app.add_typer(fetch_app, name="fetch", help="Hent fra jobindsats' API: 'fetch jobindsats --period …'.")
    app.add_typer(published_app, name="published", help="Offentliggjorte kørsler: check, history, approximate.")


SHAPES = {"v3": "v3-JSON", "v2": "v2-JSON", "jsonl": "JSON Lines", "csv": "CSV", "xlsx": "Excel"}
LISTS = ("total", "a_dagpenge", "sygedagpenge", "kontanthjaelp")


def _n(value: int) -> str:
    return format_number_da(value, "count")


def _print_import(rep: ImportReport) -> None:
    for file, shape, n, aside in rep.files:
        note = f"; {_n(aside)} rækker for hele landet/uoplyst område lagt til side" if aside else ""
        console.print(f"{file}: {SHAPES.get(shape, shape)}, {_n(n)} kommunerækker{note}")
    for r in rep.stored:
        gaps = r.params.get("totals_differing_from_areas", 0)
        beyond = ", ".join(reference.municipality(c).navn for c in r.params.get("totals_beyond_rounding", []))
        note = (f"; total ≠ summen af ydelsesgrupperne hos {_n(gaps)} kommuner" if gaps else "") + (
            f" (mere end afrunding: {beyond})" if beyond else ""
        )
        console.print(
            f"[green]Kørsel {r.run_id}[/]: {r.params['table']} {r.period}, data {r.data_fingerprint[:12]}{note}"
        )
    for period, run_id in rep.skipped:
        console.print(f"{period}: allerede importeret som {run_id} (samme tal) — springes over")


@import_app.command("jobindsats")
def import_jobindsats(
    files: Annotated[list[Path], typer.Argument(help="jobindsats-filer: v3/v2 JSON, JSON Lines, CSV eller Excel.")],
    db: DbOption = None,
) -> None:
    """Validér filerne og gem hver tabel × periode som en offentliggjort kørsel (alt eller intet, revideret)."""
    _print_import(pipeline.published.import_jobindsats(files, db=db_path(db)))


def _completion(period: str, missing: Mapping[int, tuple[str, ...]]) -> str:
    """The command that completes ``period``: the missing municipalities by name, or all of them."""
    cmd = f"kommunebench fetch jobindsats --period {period}"
    if len(missing) > 5:
        return cmd
    return cmd + "".join(f' --area "{reference.municipality(c).navn}"' for c in sorted(missing))


def _print_fetch(rep: FetchReport) -> None:
    res = rep.result
    asked = "1 forespørgsel" if res.requests == 1 else f"{res.requests} forespørgsler"
    console.print(
        f"Hentet {_n(len(res.rows))} rækker ({asked}, {res.cached} fra cache, {res.retries} genforsøg) → {rep.file}"
    )
    if rep.combined is not None:
        console.print(f"De gemte stykker giver hele lister → {rep.combined}")
    if rep.imported is not None:
        _print_import(rep.imported)
    elif not rep.missing:
        console.print(f"Ikke importeret (--no-import): 'kommunebench import jobindsats {rep.file}'.")
    for period, missing in rep.missing.items():
        console.print(
            f"[yellow]{period} er ikke importeret[/]: en liste kræver alle 98 kommuner i alle 4 ydelsesgrupper; "
            f"{missing_text(missing)}. Hent resten med '{_completion(period, missing)}' — de gemte stykker "
            f"i {rep.pieces or rep.file.parent} lægges sammen og importeres, når listen er hel."
        )


@fetch_app.command("jobindsats")
def fetch_jobindsats(
    period: Annotated[list[str], typer.Option(help="Periode(r), fx 2022QMAT04; gentag for flere.")],
    table: Annotated[str, typer.Option(help="Tabel-id hos jobindsats.")] = "Y30R21",
    area: Annotated[
        list[str] | None,
        typer.Option(
            help="Område (kommunenavn); gentag for flere; standard: alle. Stykker lægges sammen med de gemte "
            "og importeres, når listen er hel."
        ),
    ] = None,
    api: Annotated[str, typer.Option(help="API-version: v3 (standard) eller v2.")] = "v3",
    url: Annotated[
        str | None, typer.Option(help="API'ets adresse (miljøvariabel KOMMUNEBENCH_JOBINDSATS_URL).")
    ] = None,
    token_env: Annotated[
        str, typer.Option(help="Miljøvariabel med nøglen (standard KOMMUNEBENCH_JOBINDSATS_TOKEN).")
    ] = "KOMMUNEBENCH_JOBINDSATS_TOKEN",
    out: Annotated[Path | None, typer.Option(help="Gem svaret her (standard <home>/jobindsats/).")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Spørg API'et igen trods cache.")] = False,
    no_import: Annotated[bool, typer.Option("--no-import", help="Gem kun filen; importér ikke.")] = False,
    db: DbOption = None,
) -> None:
    """Hent en tabel fra jobindsats (v3 med Bearer-nøgle, v2 på forlangende), gem den og importér den."""
    rep = pipeline.published.fetch_jobindsats(
        periods=period,
        table=table,
        areas=tuple(area) if area else ("*",),
        api=api,
        url=url,
        token=pipeline.published.token_from_env(token_env),
        token_name=token_env,
        out=out,
        refresh=refresh,
        do_import=not no_import,
        db=db_path(db),
    )
    _print_fetch(rep)


@published_app.command("check")
def check(
    table: Annotated[str, typer.Option(help="Tabel-id.")] = "Y30R21",
    blocks: Annotated[bool, typer.Option("--blocks", help="Vis også hver gruppe af ens forskelle.")] = False,
    db: DbOption = None,
) -> None:
    """Genskabelsesrapport: placeringer reglen giver præcist, grupper af ens forskel og uoverensstemmelser."""
    rep = pipeline.published.check_published(db=db_path(db), table=table)
    cols = ("Periode", "Liste", "Unikke", "Heraf præcis", "Grupper", "I grupper", "Uden for pladserne", "Præcis i alt")
    t = new_table(f"Genskabelse af {table}", cols, right=cols[2:])
    for r in records(rep.lists):
        t.add_row(
            r.period,
            area_label(r.group),
            *(str(v) for v in (r.unique, r.unique_exact, r.tie_groups)),
            str(r.in_ties),
            str(r.outside_block),
            f"{r.exact} af {r.n}",
        )
    console.print(t)
    if blocks:
        b = new_table(
            "Grupper af ens forskel", ("Periode", "Liste", "Forskel", "Pladser", "Offentliggjorte placeringer")
        )
        for r in records(rep.blocks):
            b.add_row(r.period, area_label(r.group), signed_da(r.diff_pp, "share"), r.positions, r.published_ranks)
        console.print(b)
    for kind, n in rep.issues["kind"].value_counts().items():
        console.print(f"Uoverensstemmelser – {kind}: {_n(int(n))}")
    verdict = "[green]alle placeringer genskabt[/]" if rep.all_reproduced else "[red]ikke alle placeringer genskabt[/]"
    console.print(
        f"{len(rep.lists)} lister: {verdict} (unikke forskelle præcist, ens forskelle inden for deres gruppes pladser)."
    )


@published_app.command("history")
def history(
    kommune: Annotated[str, typer.Option(help="Kommunenavn eller -kode.")],
    area: Annotated[str, typer.Option(help="Liste: total, a_dagpenge, sygedagpenge, kontanthjaelp.")] = "total",
    table: Annotated[str, typer.Option(help="Tabel-id.")] = "Y30R21",
    db: DbOption = None,
) -> None:
    """En kommunes placering over alle importerede perioder med ændringen siden forrige periode."""
    if area not in LISTS:
        raise ConfigError(f"ukendt liste {area!r}; vælg blandt {', '.join(LISTS)}")
    try:
        code = reference.resolve_municipality(kommune)
    except ReferenceDataError:
        raise ConfigError(f"ukendt kommune {kommune!r}: hverken en kommunekode eller et kendt navn") from None
    h = pipeline.published.published_history(db=db_path(db), table=table)
    if h.empty:
        raise NotFoundError(f"ingen offentliggjorte kørsler af {table}: 'kommunebench import jobindsats FIL'")
    h = h[(h["kommunekode"] == code) & (h["area"] == area)]
    t = new_table(
        f"{reference.municipality(code).navn}: {area_label(area)}",
        ("Periode", "Placering", "Forskel (pct.-point)", "Ændring"),
        right=("Placering", "Forskel (pct.-point)", "Ændring"),
    )
    for r in records(h):
        change = "" if pd.isna(r.rank_change) else signed_da(int(r.rank_change), "rank")
        t.add_row(r.period, str(r.rank), signed_da(r.diff_pp, "share"), change)
    console.print(t)


def print_beside(own: PublicRun, published: PublicRun, n: int = 10) -> None:
    """The top ``n`` of an own run's overall list beside the published list (the demo)."""
    t = new_table(
        f"Top {n}: syntetisk {own.period} ved siden af den offentliggjorte liste {published.period} (jobindsats.dk)",
        ("Placering", f"Syntetisk {own.period}", "Forskel", f"Offentliggjort {published.period}", "Forskel "),
        right=("Placering", "Forskel", "Forskel "),
    )
    mine, theirs = records(rounded_frame(own.top(n))), records(rounded_frame(published.top(n)))
    for i, (a, b) in enumerate(zip(mine, theirs, strict=False), start=1):
        t.add_row(str(i), a.navn, signed_da(a.diff_pp, "share"), b.navn, signed_da(b.diff_pp, "share"))
    console.print(t)
    console.print("Kilde til den offentliggjorte liste: jobindsats.dk, STAR (tabel Y30R21).")


def print_published_note(view: PublicRun, name: str) -> None:
    """Under a list of a published run: the source and, for the total, where it differs from the
    sum of the benefit groups (``kommunebench show``)."""
    if view.record is None or not view.record.is_published:
        return
    note = total_gap_note(view.lists[name]) if name == reference.TOTAL else None
    console.print(f"Offentliggjort liste: jobindsats.dk, STAR (tabel {view.record.params.get('table', 'Y30R21')}).")
    if note:
        console.print(note)


@published_app.command("approximate")
def approximate(
    factors: Annotated[
        list[Path], typer.Argument(help="Faktorfiler fra Danmarks Statistik (StatBank-CSV eller kommune,år,værdi).")
    ],
    period: Annotated[str | None, typer.Option(help="Offentliggjort periode (standard: den nyeste).")] = None,
    db: DbOption = None,
) -> None:
    """Tilnærmelse af de forventede andele med offentlige data — tydeligt ikke ministeriets model."""
    a = pipeline.published.approximate_published(factors, period=period, db=db_path(db))
    console.print(
        f"[bold]{a.label}[/], {a.period}: vægtet regression af den faktiske andel på {len(factors)} faktorer."
    )
    console.print(
        f"R² {format_number_da(a.r2_weighted, 'share')}; korrelation med de offentliggjorte forventede andele "
        f"{format_number_da(a.corr_expected, 'share')}, gns. afvigelse {format_number_da(a.mae_expected_pp, 'share')} "
        f"pct.-point; Spearmans rangkorrelation med de offentliggjorte placeringer "
        f"{format_number_da(a.spearman_rank, 'share')}; "
        f"{a.within_10_ranks} af {len(a.frame)} inden for 10 pladser."
    )
    t = new_table(
        "Top 10 efter tilnærmelsen",
        ("Placering", "Kommune", "Tilnærmet forventet", "Offentliggjort forventet", "Offentliggjort placering"),
        right=("Placering", "Tilnærmet forventet", "Offentliggjort forventet", "Offentliggjort placering"),
    )
    for r in records(a.frame.head(10)):
        t.add_row(
            str(r.approx_rank),
            r.navn,
            format_number_da(r.approx_expected_share, "share"),
            format_number_da(r.published_expected_share, "share"),
            str(r.published_rank),
        )
    console.print(t)
    console.print("Kilde: Danmarks Statistik (faktorer); jobindsats.dk, STAR (offentliggjorte tal).")
