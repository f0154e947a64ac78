"""The one Danish number and period formatter of every output (CLI, API pages, Excel, report).

Numbers: thousands ``.``, decimal ``,`` (``1.620``, ``7,17``); the number of decimals follows the
*kind* of the figure (``count``/``persons`` 0, ``share`` 2, ``mio`` 1, ``pct1`` 1, ``rank``/``id``
as integers; the ``*_precise`` kinds are the unrounded columns). A missing value is shown as
``missing`` (default empty). Periods: ``2023QMAT04`` is "kalenderåret 2023", a rolling period
"3. kvt. 2022 – 2. kvt. 2023".
"""

from __future__ import annotations

import math

from kommunebench.data.periods import Period

__all__ = ["format_number_da", "signed_da", "period_text", "period_lead", "DASH"]

DASH = "–"
_DECIMALS = {
    "count": 0,
    "persons": 0,
    "share": 2,
    "mio": 1,
    "pct1": 1,
    "count_precise": 2,
    "mio_precise": 2,
    "share_precise": 6,
}


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def format_number_da(value: object, kind: str, *, missing: str = "") -> str:
    """A value as Danish text by its kind (see the module docstring); other kinds as ``str``."""
    if _missing(value) or (value is not None and str(value) == "<NA>"):
        return missing
    if kind in {"rank", "id"}:
        return str(int(value))  # type: ignore[call-overload]
    if kind not in _DECIMALS:
        return str(value)
    text = f"{float(value):,.{_DECIMALS[kind]}f}"  # type: ignore[arg-type]
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # no "-0,00"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def signed_da(value: object, kind: str = "share", *, missing: str = DASH) -> str:
    """Like :func:`format_number_da` with an explicit ``+`` on positive values (differences)."""
    text = format_number_da(value, kind, missing=missing)
    if text != missing and not text.startswith("-") and float(value) > 0:  # type: ignore[arg-type]
        return "+" + text
    return text


def period_text(period: str | Period) -> str:
    """``kalenderåret 2023`` for a calendar year, else ``3. kvt. 2022 – 2. kvt. 2023``."""
    p = Period.parse(period) if isinstance(period, str) else period
    (y0, q0), (y1, q1) = p.quarters[0], p.quarters[-1]
    if y0 == y1 and q0 == 1 and q1 == 4:
        return f"kalenderåret {y0}"
    return f"{q0}. kvt. {y0} – {q1}. kvt. {y1}"


def period_lead(period: str | Period) -> str:
    """The report's lead sentence for a period."""
    p = Period.parse(period) if isinstance(period, str) else period
    (y0, q0), (y1, q1) = p.quarters[0], p.quarters[-1]
    return (
        f"Forventet og faktisk andel af de 16-66-årige på offentlig forsørgelse "
        f"(fuldtidspersoner), {y0} {q0}. kvt. – {y1} {q1}. kvt. Placering 1 = størst "
        "negativ forskel (færrest i forhold til det forventede)."
    )
