"""Build the reference data shipped in ``src/kommunebench/data/refdata`` from ``../shared/data``.

Run from the project root: ``python scripts/build_reference.py [--shared ../shared/data]``.
This is a build-time script: the product never reads ``../shared`` at run time. It is offline,
deterministic, and idempotent; re-running it with the same inputs gives identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "kommunebench" / "data" / "refdata"

# Hubs of the commuting areas (pendlingsområder): each municipality joins the nearest hub by the
# great-circle distance between DAWA's visual centres. See PROVENANCE.md for the reasoning.
HUBS = {
    101: "Hovedstadsområdet",
    751: "Aarhus",
    461: "Odense",
    851: "Aalborg",
    561: "Esbjerg",
    630: "Vejle",
    621: "Kolding",
    657: "Herning",
    730: "Randers",
    615: "Horsens",
    791: "Viborg",
    661: "Holstebro",
    370: "Næstved",
    265: "Roskilde",
    219: "Hillerød",
    330: "Slagelse",
    540: "Sønderborg",
    860: "Hjørring",
    479: "Svendborg",
    400: "Bornholm",
    813: "Frederikshavn",
    787: "Thisted",
    316: "Holbæk",
    376: "Guldborgsund",
    550: "Tønder",
    510: "Haderslev",
}
# Islands without a land link go with the town their ferry serves.
FERRY = {825: 813, 563: 561, 741: 751, 492: 479}  # Læsø, Fanø, Samsø, Ærø


def norm(s: str) -> str:
    return unicodedata.normalize("NFC", s).strip().casefold()


def latest(path: Path, aliases: dict[str, int]) -> dict[int, float]:
    """Latest year's value per municipality from a dst_factors file."""
    best: dict[int, tuple[int, float]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = aliases.get(norm(row["municipality"]))
            if code is None:
                continue
            year, value = int(row["year"]), float(row["value"])
            if code not in best or year > best[code][0]:
                best[code] = (year, value)
    return {k: v for k, (_, v) in best.items()}


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    src = ap.parse_args().shared
    OUT.mkdir(parents=True, exist_ok=True)

    with (src / "municipalities.csv").open(encoding="utf-8") as fh:
        munis = list(csv.DictReader(fh))
    assert len(munis) == 98
    with (src / "municipality_aliases.csv").open(encoding="utf-8") as fh:
        alias_rows = list(csv.DictReader(fh))
    aliases = {norm(r["alias"]): int(r["kommunekode"]) for r in alias_rows}
    for m in munis:
        aliases.setdefault(norm(m["navn"]), int(m["kommunekode"]))

    # Y30R21: population 16-66 = faktisk antal / faktisk andel * 100, latest period; and the
    # published actual shares per ydelsesgruppe (calibration targets for the synthetic Denmark).
    key_n = "Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse: Faktisk antal"
    key_s = "Forventet og faktisk andel fuldtidspersoner på offentlig forsørgelse: Faktisk andel (pct.)"
    recs = [json.loads(line) for line in (src / "jobindsats" / "Y30R21-api.jsonl").open(encoding="utf-8")]
    periods = sorted({r["Periode"] for r in recs}, key=lambda p: (p[:4], p[-2:]))
    last = periods[-1]
    pop: dict[int, float] = {}
    shares: dict[tuple[int, str], float] = {}
    group_key = {
        "Ydelsesgrupper i alt": "total",
        "A-dagpenge mv.": "a_dagpenge",
        "Sygedagpenge mv.": "sygedagpenge",
        "Kontanthjælp mv.": "kontanthjaelp",
    }
    for r in recs:
        if r["Periode"] != last:
            continue
        code = aliases[norm(r["Area"])]
        share = float(r[key_s].replace(",", "."))
        shares[(code, group_key[r["Ydelsesgrupper"]])] = share
        if r["Ydelsesgrupper"] == "Ydelsesgrupper i alt":
            pop[code] = round(r[key_n] / share * 100)

    centres = {int(m["kommunekode"]): (float(m["center_lon"]), float(m["center_lat"])) for m in munis}
    area_of: dict[int, int] = {}
    hub_ids = {hub: i + 1 for i, hub in enumerate(HUBS)}
    for code, c in centres.items():
        if code in FERRY:
            hub = FERRY[code]
            while hub not in HUBS:
                hub = min(HUBS, key=lambda h, c=centres[hub]: haversine(c, centres[h]))
        else:
            hub = min(HUBS, key=lambda h: haversine(c, centres[h]))
        area_of[code] = hub_ids[hub]

    with (OUT / "municipalities.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "kommunekode",
                "navn",
                "regionskode",
                "regionsnavn",
                "center_lon",
                "center_lat",
                "commuting_area",
                "jobindsats_area",
                "pop_16_66",
            ]
        )
        for m in sorted(munis, key=lambda m: int(m["kommunekode"])):
            code = int(m["kommunekode"])
            w.writerow(
                [
                    code,
                    m["navn"],
                    m["regionskode"],
                    m["regionsnavn"],
                    m["center_lon"],
                    m["center_lat"],
                    area_of[code],
                    m["jobindsats_area"],
                    pop[code],
                ]
            )

    with (OUT / "commuting_areas.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["commuting_area", "name", "hub_kommunekode", "n_municipalities"])
        for hub, i in hub_ids.items():
            w.writerow([i, HUBS[hub], hub, sum(1 for v in area_of.values() if v == i)])

    with (OUT / "aliases.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["alias", "kommunekode", "seen_in"])
        seen = set()
        for r in alias_rows:
            w.writerow([r["alias"], r["kommunekode"], r["seen_in"]])
            seen.add(norm(r["alias"]))
        for m in munis:
            if norm(m["jobindsats_area"]) not in seen:
                w.writerow([m["jobindsats_area"], m["kommunekode"], "jobindsats"])

    factors = {
        "unemployment_pct": "unemployment_pct.csv",
        "higher_education_pct": "education.csv",
        "immigration_share_pct": "immigration_share_pct.csv",
        "age65_pct": "age65_pct.csv",
        "welfare_per_1000": "welfare_per_1000.csv",
        "commute_distance_km": "commute_distance_km.csv",
        "population_density": "population_density.csv",
    }
    values = {name: latest(src / "dst_factors" / fname, aliases) for name, fname in factors.items()}
    with (OUT / "calibration.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        cols = [f"share_{g}_{last}" for g in group_key.values()]
        w.writerow(["kommunekode", *factors, *cols])
        for code in sorted(centres):
            w.writerow([code, *(values[n][code] for n in factors), *(shares[(code, g)] for g in group_key.values())])

    geo = json.loads((src / "geo" / "municipalities_dawa2026_wgs84_simplified.geojson").read_text("utf-8"))
    (OUT / "municipalities.geojson").write_text(json.dumps(geo, ensure_ascii=False, separators=(",", ":")), "utf-8")
    fixtures = OUT.parents[3] / "tests" / "fixtures"
    fixtures.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "jobindsats" / "Y30R21_2022QMAT04.jsonl", fixtures / "Y30R21_2022QMAT04.jsonl")
    print(f"wrote reference data to {OUT} (period {last}, population 16-66 = {sum(pop.values()):,})")


if __name__ == "__main__":
    main()
