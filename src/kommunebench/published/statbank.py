"""Statistics Denmark (StatBank) tables by municipality: the CSV reply and normalised factor files.

Two shapes: the StatBank ``data`` CSV reply (UTF-8 with BOM, ``;``, decimal comma, value *texts*:
``OMRÅDE;TID;INDHOLD``, as ``ARE207``) and a normalised factor file ``municipality,year,value``
(one public factor per file, e.g. the share with higher education). Areas that are not one of
the 98 municipalities — ``Hele landet``/``All Denmark``, regions, landsdele, Christiansø — are set
aside; any other unknown name is refused, as is a value that is not a number. Quote the source:
"Kilde: Danmarks Statistik" (CC BY 4.0).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from kommunebench.data import reference
from kommunebench.errors import KommunebenchError, ValidationError
from kommunebench.published.labels import norm
from kommunebench.published.numbers import NumberError, parse_number

__all__ = ["read_factor", "NON_MUNICIPAL_PREFIXES"]

NON_MUNICIPAL_PREFIXES = ("hele landet", "all denmark", "region ", "landsdel ", "province ", "christiansø")
_AREA = {"område", "omraade", "municipality", "kommune", "bopomr"}
_TIME = {"tid", "year", "time", "år"}
_VALUE = {"indhold", "value", "værdi"}


def _column(header: list[str], names: set[str], file: str) -> int:
    for i, h in enumerate(header):
        if norm(h).lstrip("\ufeff") in names:
            return i
    raise ValidationError(f"mangler en kolonne blandt {', '.join(sorted(names))}", file=file)


def read_factor(path: str | Path, *, name: str | None = None) -> pd.DataFrame:
    """``kommunekode, year, value, factor`` of one StatBank-shaped file (see the module docstring)."""
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"kan ikke læses som UTF-8-tekst ({type(exc).__name__})", file=str(p)) from None
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if len(rows) < 2:
        raise ValidationError("ingen datarækker", file=str(p))
    header = rows[0]
    a, t, v = (_column(header, names, str(p)) for names in (_AREA, _TIME, _VALUE))
    decimal = "comma" if delimiter == ";" else "point"
    out = []
    for i, row in enumerate(rows[1:], start=1):
        if not any(c.strip() for c in row):
            continue
        area = row[a]
        if norm(area).startswith(NON_MUNICIPAL_PREFIXES):
            continue
        try:
            code = reference.resolve_municipality(area)
        except KommunebenchError:
            raise ValidationError("ukendt kommunenavn", file=str(p), row=i, column=header[a], value=area) from None
        try:
            value = parse_number(row[v], decimal=decimal, whole=False)
            year = int(str(row[t]).strip()[:4])
        except (NumberError, ValueError) as exc:
            raise ValidationError(
                str(exc) or "ikke et tal", file=str(p), row=i, column=header[v], value=row[v]
            ) from None
        if value is not None:
            out.append((code, year, value))
    frame = pd.DataFrame(out, columns=["kommunekode", "year", "value"])
    frame["factor"] = name or p.stem
    return frame
