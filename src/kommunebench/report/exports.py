"""CSV export: one file per list.

Default dialect ``"da"`` is what Danish Excel opens correctly by double-click: UTF-8 **with BOM**,
``;`` as separator, decimal comma, no thousands separator, CRLF line ends. ``dialect="plain"`` gives
UTF-8 without BOM, ``,`` and decimal point (for scripts and other tools). Both hold the ministry's
display columns (Danish headers, rounded as published) followed by the unrounded values in columns
marked "(uafrundet)" at full precision (shortest round-trip representation of the float).
"""

from __future__ import annotations

from pathlib import Path

from kommunebench.benchmark.display import display_frame
from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.errors import ConfigError
from kommunebench.report._meta import check_lists

__all__ = ["write_csv", "CSV_DIALECTS"]

CSV_DIALECTS = {
    "da": {"sep": ";", "decimal": ",", "encoding": "utf-8-sig", "lineterminator": "\r\n"},
    "plain": {"sep": ",", "decimal": ".", "encoding": "utf-8", "lineterminator": "\n"},
}


def write_csv(lists: BenchmarkLists, out_dir: str | Path, *, dialect: str = "da") -> list[Path]:
    """Write one CSV per list into ``out_dir`` (created if needed); return the paths in list order.

    File names: ``<period>_<list>.csv``, e.g. ``2022QMAT04_samlet.csv``,
    ``2022QMAT04_a_dagpenge.csv``, ``..._lignende_kommuner.csv``, ``..._klynger.csv``,
    ``..._besparelsespotentiale.csv``, ``..._skaerpet_tilsyn.csv``.
    """
    lists = check_lists(lists)
    if dialect not in CSV_DIALECTS:
        raise ConfigError(
            f"unknown CSV dialect {dialect!r}: choose one of {', '.join(CSV_DIALECTS)}")
    opts = CSV_DIALECTS[dialect]
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for slug, _, frame in lists.list_specs():
        path = out / f"{lists.period}_{slug}.csv"
        tmp = path.with_name(path.name + ".tmp")
        display_frame(frame, precise=True).to_csv(tmp, index=False, **opts)
        tmp.replace(path)
        paths.append(path)
    return paths
