"""The benchmark model's design: which columns the person-level regression has, as data.

Columns, in this order (:attr:`Design.columns`):

* ``intercept``;
* one dummy per non-reference level of each :class:`Factor` (treatment coding, the reference
  level dropped), named ``factor[level]``:

  ========================  =========================  ==================================
  factor                    source column               reference (dropped) level
  ========================  =========================  ==================================
  ``age_band``              ``persons.age``             ``16-19`` (bands ``AGE_BANDS``)
  ``sex``                   ``persons.sex``             ``M``
  ``origin``                ``persons.origin``          ``danish``
  ``education``             ``persons.education``       ``basic``
  ``family_type``           ``persons.family_type``     ``single``
  ``health_band``           ``persons.health_contacts`` ``0`` (bands ``HEALTH_BANDS``)
  ``prior_benefit_band``    ``persons.prior_benefit_weeks`` ``0`` (``PRIOR_BENEFIT_BANDS``)
  ========================  =========================  ==================================

  The highest band of a banded factor is open upwards (``105+`` also takes anything above, which
  three years with a 53-week year allow), the lowest open downwards;
* the continuous labour-market variables of the person's commuting area
  (``LABOUR_MARKET_VARIABLES``), each the plain mean of the period's four quarterly values —
  except ``share_agriculture_pct``: the six industry shares sum to 100 and so are exactly
  collinear with the intercept, and agriculture is dropped by design (its effect is the
  reference the other shares are measured against).

Any other rank deficiency (a level nobody has, too few commuting areas for the labour-market
variables) is found when the model is solved; see :mod:`kommunebench.model.ols`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kommunebench.data import schemas

__all__ = ["Factor", "Design", "DEFAULT_DESIGN", "INTERCEPT"]

INTERCEPT = "intercept"


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Factor:
    """A categorical regressor: a stored column, its levels (in order) and the dropped reference.

    ``bands`` (``(label, lo, hi)`` inclusive, as in :mod:`kommunebench.data.schemas`) turns an
    integer column into levels; without bands the column's values are the levels themselves.
    """

    name: str
    column: str
    levels: tuple[str, ...]
    reference: str
    bands: tuple[tuple[str, int, int], ...] | None = None

    def __post_init__(self) -> None:
        if len(self.levels) < 2 or len(set(self.levels)) != len(self.levels):
            raise ValueError(f"factor {self.name!r} needs two or more distinct levels")
        if self.reference not in self.levels:
            raise ValueError(f"reference {self.reference!r} of factor {self.name!r} is not a level")
        if self.bands is not None and tuple(b[0] for b in self.bands) != self.levels:
            raise ValueError(f"bands of factor {self.name!r} do not match its levels")

    @classmethod
    def banded(cls, name: str, column: str, bands, reference: str | None = None) -> Factor:
        bands = tuple((str(lbl), int(lo), int(hi)) for lbl, lo, hi in bands)
        levels = tuple(b[0] for b in bands)
        return cls(name, column, levels, reference or levels[0], bands)

    @classmethod
    def of_values(cls, name: str, column: str, values, reference: str | None = None) -> Factor:
        levels = tuple(str(v) for v in values)
        return cls(name, column, levels, reference or levels[0])

    @property
    def dummies(self) -> tuple[str, ...]:
        """Column names of the non-reference levels."""
        return tuple(f"{self.name}[{lvl}]" for lvl in self.levels if lvl != self.reference)

    def sql_code(self, table_alias: str) -> str:
        """A SQL expression giving the 0-based level index of a row, or -1 for no level."""
        col = f"{table_alias}.{self.column}"
        if self.bands is None:
            whens = " ".join(f"WHEN {_sql_text(v)} THEN {i}" for i, v in enumerate(self.levels))
            return f"CASE {col} {whens} ELSE -1 END"
        parts = []
        last = len(self.bands) - 1
        for i, (_, lo, hi) in enumerate(self.bands):
            conds = []
            if i > 0:
                conds.append(f"{col} >= {lo}")
            if i < last:
                conds.append(f"{col} <= {hi}")
            parts.append(f"WHEN {' AND '.join(conds) or 'TRUE'} THEN {i}")
        return f"CASE WHEN {col} IS NULL THEN -1 {' '.join(parts)} ELSE -1 END"

    def allowed_text(self) -> str:
        if self.bands is None:
            return ", ".join(self.levels)
        return ", ".join(lbl for lbl, _, _ in self.bands) + f" (bands of {self.column}; the top band open upwards)"


@dataclass(frozen=True, slots=True)
class Design:
    """Intercept + factor dummies + labour-market variables, and what was left out by design."""

    factors: tuple[Factor, ...]
    labour_market: tuple[str, ...]
    dropped_by_design: tuple[tuple[str, str], ...] = ()  # (variable, reason)

    def __post_init__(self) -> None:
        unknown = [v for v in self.labour_market if v not in schemas.LABOUR_MARKET_VARIABLES]
        if unknown:
            raise ValueError(f"unknown labour-market variable(s): {', '.join(unknown)}")
        names = [f.name for f in self.factors]
        if len(set(names)) != len(names):
            raise ValueError("factor names must be distinct")

    @property
    def columns(self) -> tuple[str, ...]:
        out = [INTERCEPT]
        for f in self.factors:
            out.extend(f.dummies)
        out.extend(self.labour_market)
        return tuple(out)

    @property
    def k(self) -> int:
        return len(self.columns)

    def describe(self) -> str:
        lines = [
            f"intercept + {sum(len(f.dummies) for f in self.factors)} dummies + "
            f"{len(self.labour_market)} labour-market variables = {self.k} columns"
        ]
        for f in self.factors:
            lines.append(f"  {f.name} (from persons.{f.column}): reference {f.reference!r}; levels {f.allowed_text()}")
        lines.append(
            "  labour market of the commuting area, mean of the period's 4 quarters: " + ", ".join(self.labour_market)
        )
        for var, why in self.dropped_by_design:
            lines.append(f"  left out by design: {var} ({why})")
        return "\n".join(lines)


DEFAULT_DESIGN = Design(
    factors=(
        Factor.banded("age_band", "age", schemas.AGE_BANDS),
        Factor.of_values("sex", "sex", schemas.SEXES),
        Factor.of_values("origin", "origin", schemas.ORIGINS),
        Factor.of_values("education", "education", schemas.EDUCATIONS),
        Factor.of_values("family_type", "family_type", schemas.FAMILY_TYPES),
        Factor.banded("health_band", "health_contacts", schemas.HEALTH_BANDS),
        Factor.banded("prior_benefit_band", "prior_benefit_weeks", schemas.PRIOR_BENEFIT_BANDS),
    ),
    labour_market=tuple(v for v in schemas.LABOUR_MARKET_VARIABLES if v != "share_agriculture_pct"),
    dropped_by_design=(
        (
            "share_agriculture_pct",
            "the six industry shares sum to 100, so they are collinear with the "
            "intercept; agriculture is the reference share",
        ),
    ),
)
