"""A small hand-built data set for the KPI tests (every figure in test_kpi_hand.py is computed by
hand from these rows; see the comments there). Weeks are ISO weeks of 2023 (W01 = 2 January)."""

from __future__ import annotations

import csv
from pathlib import Path

PERSON_KOMMUNE = {1: 101, 2: 101, 3: 101, 4: 101, 9: 147}
# (person, code, first week, last week) — runs of weeks on a benefit code.
RUNS = [
    (1, 111, 1, 5),  # S1: dagpenge, left-censored, exit to job (W06 without a code), next spell W20
    (1, 111, 20, 30),  # S2: dagpenge again, exit to job after W30
    (2, 701, 3, 12),  # S3: jobparat, exit to fleksjob (783 from W13)
    (2, 783, 13, 20),
    (3, 890, 1, 52),  # S4: sygedagpenge all year (left- and right-censored)
    (4, 702, 8, 10),  # S5: aktivitetsparat, exit to barsel (other)
    (4, 881, 11, 11),
    (9, 111, 1, 10),  # another municipality
]
CASEWORKERS = [
    (1, 101, "A", 1.0, "2023-01-01", "2023-03-01"),
    (2, 101, "A", 0.5, "2023-01-01", ""),
    (3, 101, "B", 1.0, "2023-01-01", ""),
    (4, 147, "X", 1.0, "2023-01-01", ""),
]
ASSIGNMENTS = [
    (1, 1, "A", "dagpenge", "2023-01-02", "2023-02-05"),
    (1, 2, "A", "dagpenge", "2023-05-15", ""),
    (2, 2, "A", "jobparat", "2023-01-16", ""),
    (3, 3, "B", "sygedagpenge", "2023-01-02", ""),
    (4, 3, "B", "aktivitetsparat", "2023-02-20", ""),
    (9, 4, "X", "dagpenge", "2023-01-02", ""),
]
CONVERSATIONS = [
    (1, "2023-01-10", "individual", "held", 1),
    (1, "2023-01-24", "individual", "no_show", 1),
    (1, "2023-02-01", "digital", "held", 1),
    (1, "2023-04-01", "individual", "held", 2),  # outside any spell: not counted
    (2, "2023-01-20", "individual", "held", 2),
    (2, "2023-02-15", "group", "cancelled", 2),
    (2, "2023-03-01", "individual", "held", 2),
    (3, "2023-02-07", "individual", "held", 3),
    (3, "2023-03-08", "individual", "no_show", 3),
    (4, "2023-02-22", "individual", "held", 3),
    (9, "2023-01-05", "individual", "held", 4),
]
OFFERS = [
    (2, "2023-02-06", "2023-03-05", "virksomhedspraktik", "Firma A", 4000),
    (3, "2023-02-13", "2023-02-26", "vejledning_opkvalificering", "Skole B", 6000),
    (1, "2023-05-22", "2023-06-18", "loentilskud", "Firma C", 12000),
]
JOBLOG = [
    (2, 101, "2023-01", "true", 1, 0),
    (2, 101, "2023-02", "true", 1, 5),
    (2, 101, "2023-03", "true", 1, 3),
    (4, 101, "2023-02", "true", 1, 0),
    (4, 101, "2023-03", "false", 1, 2),
    (3, 101, "2023-04", "true", 1, 0),  # April: not a month of Q1 (W13's Thursday is 30 March)
    (3, 101, "2023-07", "true", 1, 4),  # July: the month of W27 (Thursday 6 July)
]


def _write(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def write_case_files(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    persons = [
        (p, 2023, k, 30 + p, "M" if p % 2 else "K", "danish", "vocational", "single", 0, 10)
        for p, k in PERSON_KOMMUNE.items()
    ]
    _write(
        folder / "persons.csv",
        [
            "person_id",
            "year",
            "kommunekode",
            "age",
            "sex",
            "origin",
            "education",
            "family_type",
            "health_contacts",
            "prior_benefit_weeks",
        ],
        persons,
    )
    weeks = [(p, f"2023-W{w:02d}", code) for p, code, a, b in RUNS for w in range(a, b + 1)]
    _write(folder / "benefit_weeks.csv", ["person_id", "week", "code"], weeks)
    _write(
        folder / "caseworkers.csv",
        ["caseworker_id", "kommunekode", "department", "fte", "valid_from", "valid_to"],
        CASEWORKERS,
    )
    _write(
        folder / "case_assignments.csv",
        ["person_id", "caseworker_id", "department", "target_group", "valid_from", "valid_to"],
        ASSIGNMENTS,
    )
    _write(folder / "conversations.csv", ["person_id", "date", "kind", "status", "caseworker_id"], CONVERSATIONS)
    _write(folder / "offers.csv", ["person_id", "start_date", "end_date", "offer_type", "provider", "cost_dkk"], OFFERS)
    _write(
        folder / "joblog.csv",
        ["person_id", "kommunekode", "month", "in_target_group", "availability_weight", "searches"],
        JOBLOG,
    )
    return folder
