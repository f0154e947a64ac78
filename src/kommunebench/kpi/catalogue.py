"""The KPI catalogue: every KPI defined once, as data (issue 13, seed 003).

Each :class:`Kpi` has a key, its Danish name and definition, the unit, the levels it is computed
at, whether it is an *indsats* (effort) or *resultat* (result) KPI, which direction is better,
the data source and the factor its ratio is shown in (100 = a share in per cent). The numbers
themselves are computed in :mod:`kommunebench.kpi.compute`; documented in ``docs/kpi.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kommunebench.data.kpischemas import OFFER_TYPES
from kommunebench.errors import NotFoundError

__all__ = ["ALL_LEVELS", "CATALOGUE", "LEVEL_NAMES", "OFFER_NAMES", "TARGET_GROUP_NAMES", "Kpi", "kpi", "unit_label"]

ALL_LEVELS = ("kommune", "afdeling", "maalgruppe", "sagsbehandler")
LEVEL_NAMES = {
    "kommune": "Faktaside",
    "afdeling": "Afdeling",
    "maalgruppe": "Målgruppe",
    "sagsbehandler": "Sagsbehandler",
}
OFFER_NAMES = {
    "virksomhedspraktik": "virksomhedspraktik",
    "loentilskud": "løntilskud",
    "vejledning_opkvalificering": "vejledning og opkvalificering",
    "nytteindsats": "nytteindsats",
}
TARGET_GROUP_NAMES = {
    "dagpenge": "Dagpenge",
    "sygedagpenge": "Sygedagpenge",
    "jobparat": "Jobparate kontanthjælpsmodtagere",
    "aktivitetsparat": "Aktivitetsparate",
    "uddannelseshjaelp": "Uddannelseshjælp",
    "ressourceforloeb": "Ressourceforløb og ledighedsydelse",
    "ukendt": "Uden sag",
}
_STAFF_LEVELS = ("kommune", "afdeling")


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    name: str  # Danish
    definition: str  # Danish
    unit: str
    kind: str  # "indsats" | "resultat"
    direction: str  # "hoej" (higher is better) | "lav" (lower is better) | "ingen"
    source: str
    factor: float = 1.0
    levels: tuple[str, ...] = ALL_LEVELS
    decimals: int = 1
    is_count: bool = False  # a count (or weekly average) of citizens: summed over municipalities


def _k(*args, **kw) -> Kpi:
    return Kpi(*args, **kw)


_CASELOAD = "borgere med et forløb på en jobcenterydelse i perioden"
_OFFERS = tuple(
    _k(
        f"aktivering_{t}",
        f"Aktiveringsgrad, {OFFER_NAMES[t]}",
        f"Andel af {_CASELOAD}, der er i {OFFER_NAMES[t]} i perioden.",
        "pct.",
        "indsats",
        "ingen",
        "offers, benefit_weeks",
        100.0,
    )
    for t in OFFER_TYPES
)

CATALOGUE: tuple[Kpi, ...] = (
    _k(
        "samtaler_pr_borger",
        "Samtaler pr. borger",
        f"Afholdte samtaler i perioden divideret med antal {_CASELOAD}.",
        "samtaler",
        "indsats",
        "hoej",
        "conversations, benefit_weeks",
        decimals=2,
    ),
    _k(
        "samtale_3_mdr",
        "Andel med samtale inden for 3 måneder",
        "Af borgerne på en jobcenterydelse i periodens sidste uge, som har været det i mindst 13 uger: "
        "andelen med mindst én afholdt samtale i de seneste 13 uger (ministeriets løbende opgørelse).",
        "pct.",
        "indsats",
        "hoej",
        "conversations, benefit_weeks",
        100.0,
    ),
    _k(
        "samtale_6_mdr",
        "Andel med samtale inden for 6 måneder",
        "Som for 3 måneder, med 26 uger.",
        "pct.",
        "indsats",
        "hoej",
        "conversations, benefit_weeks",
        100.0,
    ),
    _k(
        "udeblivelser",
        "Udeblivelsesandel",
        "Udeblivelser divideret med afholdte samtaler plus udeblivelser i perioden (aflyste tæller ikke).",
        "pct.",
        "indsats",
        "lav",
        "conversations",
        100.0,
    ),
    _k(
        "joblog_soegning",
        "Andel med jobsøgning i joblog",
        "Af borger-måneder i joblog-målgruppen i periodens måneder (de måneder, hvor torsdagen i en af "
        "periodens uger ligger): andelen med mindst én registreret jobsøgning.",
        "pct.",
        "indsats",
        "hoej",
        "joblog, benefit_weeks",
        100.0,
    ),
    _k(
        "aktiveringsgrad",
        "Aktiveringsgrad",
        f"Andel af {_CASELOAD}, der er i et tilbud (af enhver type) i perioden.",
        "pct.",
        "indsats",
        "ingen",
        "offers, benefit_weeks",
        100.0,
    ),
    *_OFFERS,
    _k(
        "tilbud_varighed",
        "Gennemsnitlig varighed af tilbud",
        "Gennemsnitlig varighed i uger (slutdato − startdato + 1 dag, divideret med 7) af tilbud startet i perioden.",
        "uger",
        "indsats",
        "ingen",
        "offers",
    ),
    _k(
        "pris_pr_tilbud",
        "Effektiv pris pr. tilbud",
        "Gennemsnitlig udgift i kr. pr. tilbud startet i perioden.",
        "kr.",
        "indsats",
        "lav",
        "offers",
        decimals=0,
    ),
    _k(
        "pris_pr_selvforsoerget",
        "Tilbudsudgift pr. borger i selvforsørgelse",
        "Udgift i kr. til tilbud startet i perioden divideret med antal afgange til selvforsørgelse i perioden.",
        "kr.",
        "indsats",
        "lav",
        "offers, benefit_weeks",
        decimals=0,
    ),
    _k(
        "sagsbehandlere_pr_100",
        "Sagsbehandlere pr. 100 ledige",
        "Sagsbehandlerårsværk ansat i periodens sidste uge pr. 100 borgere på en jobcenterydelse i den uge.",
        "årsværk",
        "indsats",
        "ingen",
        "caseworkers, case_assignments, benefit_weeks",
        100.0,
        _STAFF_LEVELS,
        2,
    ),
    _k(
        "forsoergelsestryk",
        "Forsørgelsestryk",
        "Gennemsnitligt antal borgere på en jobcenterydelse pr. uge i perioden (fuldtidspersoner).",
        "fuldtidspersoner",
        "resultat",
        "lav",
        "benefit_weeks",
        is_count=True,
    ),
    _k(
        "forsoergelsestryk_udvikling",
        "Udvikling i forsørgelsestryk",
        "Ændring i forsørgelsestrykket i pct. i forhold til de samme uger 52 uger før.",
        "pct.",
        "resultat",
        "lav",
        "benefit_weeks",
        100.0,
    ),
    _k(
        "i_job_uddannelse",
        "Borgere i job eller uddannelse",
        "Forløb, der slutter i perioden med selvforsørgelse: ugen efter er uden ydelse, eller med fleksjob eller SU.",
        "borgere",
        "resultat",
        "hoej",
        "benefit_weeks",
        decimals=0,
        is_count=True,
    ),
    _k(
        "gns_varighed",
        "Gennemsnitlig ledighedsvarighed",
        "Gennemsnitligt antal uger i de forløb, der slutter i perioden (forløb i gang ved datas start tæller ikke).",
        "uger",
        "resultat",
        "lav",
        "benefit_weeks",
    ),
    _k(
        "fastholdelse_13",
        "Fastholdelse efter 13 uger",
        "Af afgangene til selvforsørgelse i perioden (med 13 ugers data efter): andelen uden "
        "jobcenterydelse i de 13 uger efter.",
        "pct.",
        "resultat",
        "hoej",
        "benefit_weeks",
        100.0,
    ),
    _k(
        "fastholdelse_26",
        "Fastholdelse efter 26 uger",
        "Som efter 13 uger, med 26 uger.",
        "pct.",
        "resultat",
        "hoej",
        "benefit_weeks",
        100.0,
    ),
    _k(
        "tilbagefald_26",
        "Tilbagefald inden for 26 uger",
        "Af afgangene til selvforsørgelse i perioden (med 26 ugers data efter): andelen, der igen er på en "
        "jobcenterydelse inden for 26 uger.",
        "pct.",
        "resultat",
        "lav",
        "benefit_weeks",
        100.0,
    ),
    _k(
        "progression",
        "Progression",
        "For borgerne på en jobcenterydelse i periodens sidste uge: gennemsnitligt antal uger på ydelse i de 13 uger "
        "før de seneste 13 uger minus antal uger i de seneste 13 uger (positivt = fremskridt).",
        "uger",
        "resultat",
        "hoej",
        "benefit_weeks",
        decimals=2,
    ),
)
_BY_KEY = {k.key: k for k in CATALOGUE}


def unit_label(level: str, unit: str) -> str:
    """How a unit is shown: a target group by its Danish name, others as they are."""
    if level == "maalgruppe":
        return TARGET_GROUP_NAMES.get(unit, unit)
    return unit or "Kommunen"


def kpi(key: str) -> Kpi:
    try:
        return _BY_KEY[key]
    except KeyError:
        raise NotFoundError(f"ukendt nøgletal {key!r}; se 'kommunebench kpi katalog'") from None
