"""The input kinds the warehouse takes in, as data: columns, types, allowed values and keys.

This module is the contract between the synthetic generator (which writes these files), the
loader (which validates them and stores them) and the model (which reads the stored tables).

Input kinds (SPEC §2):

* ``persons`` — one row per person and reference year (status on 1 January, as in the BEF
  register): residence municipality, age, sex, origin (herkomst), highest education, family
  type, health (hospital contacts last year) and prior benefit history (weeks on public benefit
  in the three years before).
* ``benefit_weeks`` — DREAM-shaped, long: one row per person and ISO week with a benefit code;
  weeks without a row are weeks without public benefit. At most one code per person and week.
* ``labour_market`` — the local labour market per pendlingsområde (commuting area) and quarter.
* ``joblog`` — one row per person and month of the joblog population (job-ready cash-benefit
  recipients, *jobparate kontanthjælpsmodtagere*): municipality, whether the person is in the
  target group (obliged to joblog) that month, the availability weight and the number of
  registered job searches. ``month`` is ``YYYY-MM`` in files and stored as the month's first day.
  A person's rows over several months are what criterion 3 of the joblog follow-up needs (see
  :mod:`kommunebench.alerts`).
* ``admin_costs`` — one row per municipality and year: the administrative resource use of the
  employment effort in kr. and the full-time persons on benefits (the cost input of the DEA
  cost-efficiency, :mod:`kommunebench.efficiency`), optionally the joint jobcentre.
* reference overrides — ``benefit_codes``, ``costs`` and ``commuting_area_map`` replace the
  package's default reference tables in this warehouse.

The categorical bands used by the benchmark model (age, health, prior benefits) are defined
here too, so that the generator and the model agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Column",
    "InputKind",
    "KINDS",
    "SEXES",
    "ORIGINS",
    "EDUCATIONS",
    "FAMILY_TYPES",
    "AGE_BANDS",
    "HEALTH_BANDS",
    "PRIOR_BENEFIT_BANDS",
    "LABOUR_MARKET_VARIABLES",
    "BENCHMARK_AGE",
    "band_of",
]

SEXES = ("M", "K")  # mand, kvinde
ORIGINS = ("danish", "western", "non_western")  # herkomst: dansk, vestlig, ikke-vestlig
EDUCATIONS = ("basic", "upper_secondary", "vocational", "short_higher", "bachelor", "master_plus")
FAMILY_TYPES = ("single", "single_with_children", "couple", "couple_with_children", "living_with_parents")

BENCHMARK_AGE = (16, 66)  # the benchmark population: residents aged 16-66 (inclusive)
# Bands as (label, lowest value, highest value), inclusive.
AGE_BANDS = (
    ("16-19", 16, 19),
    ("20-24", 20, 24),
    ("25-29", 25, 29),
    ("30-34", 30, 34),
    ("35-39", 35, 39),
    ("40-44", 40, 44),
    ("45-49", 45, 49),
    ("50-54", 50, 54),
    ("55-59", 55, 59),
    ("60-62", 60, 62),
    ("63-66", 63, 66),
)
HEALTH_BANDS = (("0", 0, 0), ("1-2", 1, 2), ("3-5", 3, 5), ("6+", 6, 10**6))
PRIOR_BENEFIT_BANDS = (("0", 0, 0), ("1-12", 1, 12), ("13-52", 13, 52), ("53-104", 53, 104), ("105+", 105, 157))

LABOUR_MARKET_VARIABLES = (
    "unemployment_pct",
    "employment_rate_pct",
    "job_postings_per_1000",
    "share_manufacturing_pct",
    "share_construction_pct",
    "share_trade_transport_pct",
    "share_knowledge_services_pct",
    "share_public_pct",
    "share_agriculture_pct",
    "distance_large_city_km",
)


def band_of(value: int, bands) -> str:
    for label, lo, hi in bands:
        if lo <= value <= hi:
            return label
    raise ValueError(f"{value} lies in no band")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    sql_type: str  # DuckDB type as stored in the warehouse
    help: str
    allowed: tuple | None = None  # closed set of values
    min: float | None = None
    max: float | None = None
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class InputKind:
    name: str
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    help: str
    references: dict[str, str] = field(default_factory=dict)  # column -> what it must exist in
    # Extra row rules: (column, rule text, SQL condition over the typed columns of a broken row).
    rules: tuple[tuple[str, str, str], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


# The benefit areas a reference override may name (those of reference.AREA_LABELS, without the total).
AREAS = ("a_dagpenge", "sygedagpenge", "kontanthjaelp", "foertidspension_fleksjob")

_LM_COLUMNS = tuple(
    Column(v, "DOUBLE", h, min=0, max=m)
    for v, h, m in [
        ("unemployment_pct", "registered full-time unemployment, % of the labour force", 100),
        ("employment_rate_pct", "employed residents aged 16-66, % of the population 16-66", 100),
        ("job_postings_per_1000", "new job postings in the quarter per 1,000 residents 16-66", 1000),
        ("share_manufacturing_pct", "jobs in manufacturing, % of all jobs", 100),
        ("share_construction_pct", "jobs in construction, % of all jobs", 100),
        ("share_trade_transport_pct", "jobs in trade and transport, % of all jobs", 100),
        ("share_knowledge_services_pct", "jobs in knowledge services, % of all jobs", 100),
        ("share_public_pct", "jobs in public administration, education, health, % of all jobs", 100),
        ("share_agriculture_pct", "jobs in agriculture, fishing, raw materials, % of all jobs", 100),
        (
            "distance_large_city_km",
            "road-free distance from the area's hub to the nearest of København, Aarhus, Odense, Aalborg (km)",
            1000,
        ),
    ]
)

KINDS: dict[str, InputKind] = {
    k.name: k
    for k in [
        InputKind(
            "persons",
            "persons",
            ("person_id", "year"),
            (
                Column("person_id", "BIGINT", "pseudonymous person id", min=0),
                Column("year", "SMALLINT", "reference year (status on 1 January)", min=1990, max=2100),
                Column("kommunekode", "SMALLINT", "residence municipality (101-860)"),
                Column("age", "SMALLINT", "age in whole years on 1 January", min=0, max=120),
                Column("sex", "VARCHAR", "M = mand, K = kvinde", allowed=SEXES),
                Column("origin", "VARCHAR", "herkomst", allowed=ORIGINS),
                Column("education", "VARCHAR", "highest completed education", allowed=EDUCATIONS),
                Column("family_type", "VARCHAR", "family type", allowed=FAMILY_TYPES),
                Column("health_contacts", "SMALLINT", "hospital contacts in the year before", min=0, max=366),
                Column(
                    "prior_benefit_weeks",
                    "SMALLINT",
                    "weeks on public benefit in the three years before the reference year",
                    min=0,
                    max=157,
                ),
            ),
            "one row per person and reference year",
            {"kommunekode": "municipalities"},
        ),
        InputKind(
            "benefit_weeks",
            "benefit_weeks",
            ("person_id", "week"),
            (
                Column("person_id", "BIGINT", "pseudonymous person id (must exist in persons)", min=0),
                Column("week", "DATE", "ISO week YYYY-Www in files; stored as the week's Monday"),
                Column("code", "SMALLINT", "DREAM-style benefit code (must be in the code table)"),
            ),
            "one row per person and ISO week on benefit; at most one code a week",
            {"person_id": "persons", "code": "benefit_codes"},
        ),
        InputKind(
            "labour_market",
            "labour_market",
            ("commuting_area", "quarter"),
            (
                Column("commuting_area", "SMALLINT", "pendlingsområde id (see commuting_areas)"),
                Column("quarter", "VARCHAR", "quarter YYYYQn"),
                *_LM_COLUMNS,
            ),
            "one row per commuting area and quarter",
            {"commuting_area": "commuting_areas"},
        ),
        InputKind(
            "joblog",
            "joblog",
            ("person_id", "month"),
            (
                Column("person_id", "BIGINT", "pseudonymous person id (must exist in persons)", min=0),
                Column("kommunekode", "SMALLINT", "the municipality responsible that month (101-860)"),
                Column("month", "DATE", "month YYYY-MM in files; stored as the month's first day"),
                Column(
                    "in_target_group",
                    "BOOLEAN",
                    "in the target group that month: a job-ready "
                    "cash-benefit recipient obliged to joblog (true/false or 1/0)",
                ),
                Column(
                    "availability_weight",
                    "DOUBLE",
                    "how available for work the person must be (1 = fully; above 0 and at most 1)",
                    min=0,
                    max=1,
                ),
                Column("searches", "SMALLINT", "job searches registered in the joblog that month", min=0, max=999),
            ),
            "one row per person and month in the joblog population",
            {"person_id": "persons", "kommunekode": "municipalities"},
            rules=(
                (
                    "availability_weight",
                    "uden for det tilladte område: skal være over 0 (og højst 1)",
                    '"availability_weight" <= 0',
                ),
            ),
        ),
        InputKind(
            "admin_costs",
            "admin_costs",
            ("kommunekode", "year"),
            (
                Column("kommunekode", "SMALLINT", "the municipality (101-860)"),
                Column("year", "SMALLINT", "calendar year of the accounts", min=2007, max=2100),
                Column(
                    "admin_cost_kr",
                    "DOUBLE",
                    "administrative resource use of the employment effort in kr. (excluding transfer "
                    "payments, løntilskud and overhead, net of refusion); above 0, at most 100 bn. kr. "
                    "(København's is ≈ 1.4 bn. kr.: the generic ±1e9 bound of a number refused it)",
                    min=0,
                    max=1e11,
                ),
                Column(
                    "fuldtidspersoner",
                    "DOUBLE",
                    "full-time persons on labour-market benefits in the year; above 0",
                    min=0,
                ),
                Column(
                    "jobcentre",
                    "VARCHAR",
                    "the joint jobcentre the municipality belongs to (empty = its own jobcentre)",
                    nullable=True,
                ),
            ),
            "one row per municipality and year: the cost input of the DEA cost-efficiency (issue 14)",
            {"kommunekode": "municipalities"},
            rules=(
                ("admin_cost_kr", "uden for det tilladte område: skal være over 0", '"admin_cost_kr" <= 0'),
                ("fuldtidspersoner", "uden for det tilladte område: skal være over 0", '"fuldtidspersoner" <= 0'),
            ),
        ),
        InputKind(
            "benefit_codes",
            "ref_benefit_codes",
            ("code",),
            (
                Column("code", "SMALLINT", "benefit code", min=0, max=999),
                Column("name_da", "VARCHAR", "Danish name"),
                Column("benefit_group", "VARCHAR", "benefit group"),
                Column("area_2018", "VARCHAR", "area in scope 2018 (empty = outside)", allowed=AREAS, nullable=True),
                Column("area_2019", "VARCHAR", "area in scope 2019 (empty = outside)", allowed=AREAS, nullable=True),
                Column("area_extended", "VARCHAR", "area in the extended scope", allowed=AREAS, nullable=True),
            ),
            "reference override: the benefit code table",
        ),
        InputKind(
            "costs",
            "ref_costs",
            ("area", "valid_from"),
            (
                Column("area", "VARCHAR", "benefit area", allowed=AREAS),
                Column("valid_from", "DATE", "first day the cost applies"),
                Column("dkk_per_fuldtidsperson", "DOUBLE", "annual cost per full-time person", min=0, max=10_000_000),
                Column("basis", "VARCHAR", "source or reasoning", nullable=True),
            ),
            "reference override: cost per full-time person",
        ),
        InputKind(
            "commuting_area_map",
            "ref_commuting_area_map",
            ("kommunekode",),
            (
                Column("kommunekode", "SMALLINT", "municipality"),
                Column("commuting_area", "SMALLINT", "pendlingsområde id", min=1),
            ),
            "reference override: municipality → commuting area",
            {"kommunekode": "municipalities"},
        ),
    ]
}

# The KPI input kinds (issue 13) live in their own module; it imports nothing from this one.
from kommunebench.data import kpischemas  # noqa: E402

KINDS.update((k.name, k) for k in kpischemas.kinds(Column, InputKind))
