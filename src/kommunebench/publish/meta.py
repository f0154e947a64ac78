"""Run metadata shown in the exports ("Om kørslen"): normalised once, used by Excel and HTML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from kommunebench import __version__
from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.data.periods import Period
from kommunebench.errors import ConfigError
from kommunebench.publish.format import format_number_da
from kommunebench.publish.labels import AREA_LABELS, ATTRIBUTION, KLYNGE_METHOD, ROUNDING_NOTE

__all__ = ["run_meta_rows", "check_lists"]

_KNOWN = {
    "run_id": "Kørsels-id",
    "period": "Periode",
    "scope": "Scope",
    "data_fingerprint": "Data-fingeraftryk",
    "model": "Model",
    "package_version": "Pakkeversion (kommunebench)",
    "created": "Oprettet",
}


def check_lists(lists: object) -> BenchmarkLists:
    if not isinstance(lists, BenchmarkLists):
        raise ConfigError(f"expected BenchmarkLists from build_lists(), got {type(lists).__name__}")
    return lists


def _text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def run_meta_rows(
    lists: BenchmarkLists, run_meta: Mapping | None, *, facts: tuple[float, float | None, int] | None = None
) -> list[tuple[str, str]]:
    """(Danish label, text) rows: run metadata first, then what the lists themselves record.

    ``facts`` = (national potential, incl. extra areas, count failing the result target) over the
    published cells (the public view's); without it the raw lists' figures are shown.
    """
    if run_meta is None:
        run_meta = {}
    if not isinstance(run_meta, Mapping):
        raise ConfigError("run_meta must be a mapping (e.g. a dict) or None")
    bad = [k for k in run_meta if not isinstance(k, str)]
    if bad:
        raise ConfigError(f"run_meta keys must be strings, got {bad[0]!r}")
    meta = dict(run_meta)
    meta.setdefault("period", lists.period)
    meta.setdefault("package_version", __version__)
    meta.setdefault("created", dt.datetime.now(dt.UTC).astimezone())
    rows = [(label, _text(meta.get(key, "")) or "—") for key, label in _KNOWN.items()]
    rows += [(k, _text(v)) for k, v in meta.items() if k not in _KNOWN and k != "cost_date"]
    p = Period.parse(lists.period)
    pot = lists.potential
    cost_date = pot.cost_date.isoformat() if pot.cost_date is not None else str(meta.get("cost_date") or "")
    if cost_date:  # a stored run records the date its costs were taken from the cost table
        cost_src = f"omkostningstabel gældende {cost_date}; se metodesiden for tabellens kilde"
    else:
        cost_src = "angivet af brugeren"
    national, national_extra, n_failed = facts or (
        pot.national_mio_kr,
        pot.national_incl_extra_mio_kr,
        len(lists.skaerpet_tilsyn.failed),
    )
    rows += [
        ("Periode (beskrivelse)", p.describe()),
        ("Ydelsesgrupper i alt", " + ".join(AREA_LABELS[a] for a in lists.total_areas)),
        ("Vist separat (indgår ikke i totalen)", ", ".join(AREA_LABELS[a] for a in lists.extra_areas) or "—"),
        ("Antal kommuner", str(len(lists.overall))),
        ("Lignende kommuner pr. kommune", str(lists.k_similar)),
        ("Antal klynger", str(lists.n_klynger)),
        ("Klyngemetode", KLYNGE_METHOD),
        (
            "Omkostning pr. fuldtidsperson (kr.)",
            "; ".join(f"{AREA_LABELS[a]}: {format_number_da(v, 'persons')}" for a, v in pot.costs.items())
            + f" ({cost_src})",
        ),
        (
            "Samlet besparelsespotentiale (mio. kr.)",
            format_number_da(national, "mio")
            + (
                " (sum over offentliggjorte kommuner over forventet niveau)"
                if facts
                else " (sum over kommuner over forventet niveau)"
            ),
        ),
    ]
    if pot.national_incl_extra_mio_kr is not None:
        rows.append(
            (
                "Samlet besparelsespotentiale inkl. udvidet scope (mio. kr.)",
                format_number_da(national_extra, "mio"),
            )
        )
    rows += [
        (
            "Skærpet tilsyn: resultatmål ikke opfyldt",
            f"{n_failed} kommuner"
            + ("" if lists.skaerpet_tilsyn.applicable else " (vejledende: perioden er ikke et kalenderår)"),
        ),
        ("Afrunding og placering", ROUNDING_NOTE),
        ("Kilde", ATTRIBUTION),
    ]
    return rows
