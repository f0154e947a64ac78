"""CSV export: one file per public list.

Default dialect ``"da"`` is what Danish Excel opens correctly by double-click: UTF-8 **with BOM**,
``;`` as separator, decimal comma, no thousands separator, CRLF line ends. ``dialect="plain"`` gives
UTF-8 without BOM, ``,`` and decimal point (for scripts and other tools). Both hold the ministry's
display columns (Danish headers, rounded as published) followed by the unrounded values in columns
marked "(uafrundet)" at full precision (shortest round-trip representation of the float). A
suppressed cell is an empty field.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kommunebench.errors import ConfigError
from kommunebench.publish import display_frame
from kommunebench.report.common import as_view, folder_path, write_atomic

__all__ = ["write_csv", "CSV_DIALECTS", "CONFIDENTIAL", "csv_bytes"]

CSV_DIALECTS = {
    "da": {"sep": ";", "decimal": ",", "encoding": "utf-8-sig", "lineterminator": "\r\n"},
    "plain": {"sep": ",", "decimal": ".", "encoding": "utf-8", "lineterminator": "\n"},
}


def _dialect(dialect: str) -> dict[str, str]:
    if dialect not in CSV_DIALECTS:
        raise ConfigError(f"unknown CSV dialect {dialect!r}: choose one of {', '.join(CSV_DIALECTS)}")
    return CSV_DIALECTS[dialect]


def csv_bytes(frame: pd.DataFrame, *, dialect: str = "da") -> bytes:
    """A display frame as CSV in ``dialect`` (empty cells as empty fields)."""
    opts = _dialect(dialect)
    text = frame.to_csv(
        index=False, sep=opts["sep"], decimal=opts["decimal"], lineterminator=opts["lineterminator"], na_rep=""
    )
    return text.encode(opts["encoding"])


CONFIDENTIAL = "Fortroligt – ikke til offentliggørelse"


def write_csv(
    view: object, out_dir: str | Path, *, dialect: str = "da", precise: bool = True, confidential: bool = False
) -> list[Path]:
    """Write one CSV per public list of ``view`` into ``out_dir`` (created if needed); return the paths.

    ``view`` is a :class:`~kommunebench.publish.PublicRun` or ``BenchmarkLists`` (published with
    the ``suppress_below`` setting). File names: ``<period>_<list>.csv``, e.g.
    ``2022QMAT04_samlet.csv``, ``2022QMAT04_a_dagpenge.csv``, ``..._lignende_kommuner.csv``,
    ``..._klynger.csv``, ``..._besparelsespotentiale.csv``, ``..._skaerpet_tilsyn.csv``.
    ``precise=False`` leaves out the unrounded columns (exactly the web's figures);
    ``confidential=True`` makes the first line of every file the marking :data:`CONFIDENTIAL`.
    """
    pv = as_view(view)
    _dialect(dialect)
    out = folder_path(out_dir)
    return [
        write_atomic(
            out / f"{pv.period}_{slug}.csv",
            _marked(csv_bytes(display_frame(frame, precise=precise), dialect=dialect), dialect, confidential),
        )
        for slug, _, frame in pv.list_specs()
    ]


def _marked(data: bytes, dialect: str, confidential: bool) -> bytes:
    if not confidential:
        return data
    opts = _dialect(dialect)
    bom = "\ufeff".encode() if opts["encoding"] == "utf-8-sig" else b""
    line = (f"# {CONFIDENTIAL}" + opts["lineterminator"]).encode("utf-8")
    return bom + line + data[len(bom) :]
