"""The benchmark ranking beside DEA, and the reason in words why they can disagree.

:func:`side_by_side` takes the overall benchmark list and three DEA models of the same units —
"med udgifter" output-oriented (the headline: group and score), "uden udgifter" output-oriented
(results only) and "med udgifter" input-oriented (the saving in kr.) — and returns one row per
municipality plus the national totals in Rigsrevisionen's form. The explanation is built from the
same numbers that stand in the row (a test checks one municipality against them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommunebench.efficiency.results import EfficiencyResult
from kommunebench.errors import ConfigError

__all__ = ["SideBySide", "side_by_side", "explain"]

AREA_DA = {"a_dagpenge": "A-dagpenge", "sygedagpenge": "sygedagpenge", "kontanthjaelp": "kontanthjælp"}
COST = "cost_per_fuldtidsperson"


@dataclass(frozen=True, eq=False)
class SideBySide:
    """One row per municipality (``rows``) and the national totals (``totals``), full precision."""

    rows: pd.DataFrame
    totals: dict[str, float]
    n_ranked: int


def _num(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def _frame(res: EfficiencyResult, prefix: str) -> pd.DataFrame:
    f = res.to_frame().set_index("unit")
    keep = {"score": f"{prefix}_score", "group": f"{prefix}_group", "peers": f"{prefix}_peers"}
    if "score_bc" in f.columns:
        keep.update({"score_bc": f"{prefix}_score_bc", "lower": f"{prefix}_lower", "upper": f"{prefix}_upper"})
    return f[list(keep)].rename(columns=keep)


def side_by_side(
    overall: pd.DataFrame, med: EfficiencyResult, uden: EfficiencyResult, med_input: EfficiencyResult
) -> SideBySide:
    """Rank beside DEA group and score (see the module docstring); units must agree across the models."""
    if not (med.data.units == uden.data.units == med_input.data.units):
        raise ConfigError("the three DEA models must cover the same municipalities")
    if med.orientation != "output" or uden.orientation != "output" or med_input.orientation != "input":
        raise ConfigError("side_by_side needs med (output), uden (output) and med_input (input) models")
    units = list(med.data.units)
    dea = _frame(med, "med").join(_frame(uden, "uden"))
    frame = med.to_frame().set_index("unit")
    dea["cost_per_fuldtidsperson_kr"] = med.data.inputs[:, 0]
    dea["target_cost_per_fuldtidsperson_kr"] = med_input.to_frame().set_index("unit")[f"target_{COST}"]
    dea["saving_kr"] = med_input.to_frame().set_index("unit")[f"potential_{COST}_kr"]
    dea["potential_pct"] = frame["potential_pct"]
    dea["potential_persons"] = frame.get("potential_persons", np.nan)
    for r, name in enumerate(med.data.output_names):
        dea[name] = med.data.outputs[:, r]
        dea[f"target_{name}"] = frame[f"target_{name}"]
        dea[f"potential_{name}_pct"] = frame[f"potential_{name}_pct"]
    members = med.data.members or tuple((u,) for u in units)
    dea["dea_unit"] = [label if len(g) > 1 else None for label, g in zip(med.data.labels, members, strict=True)]
    unit_of = {code: unit for unit, group in zip(units, members, strict=True) for code in group}
    codes = [code for group in members for code in group]
    cols = ["navn", "rank", "diff_pp", "actual_share", "expected_share"]
    bench = overall.set_index("kommunekode").loc[codes, cols].rename(columns={"rank": "benchmark_rank"})
    per_member = dea.loc[[unit_of[c] for c in codes]].set_axis(bench.index, axis=0)
    rows = bench.join(per_member).sort_index()
    rows.index.name = "kommunekode"
    rows = rows.reset_index()
    n_ranked = int(overall["rank"].notna().sum())
    rows["explanation"] = [explain(rec, med.data.output_names, n_ranked) for rec in rows.to_dict("records")]
    # national totals over the DEA units (a joint jobcentre counted once, not once per member)
    totals = {
        "persons_more_in_job": float(np.nansum(dea["potential_persons"])),
        "saving_kr": float(np.nansum(dea["saving_kr"])),
        "saving_pct": float(
            100 * np.nansum(dea["saving_kr"]) / np.sum(med.data.inputs[:, 0] * med.data.input_volume[:, 0])
        )
        if med.data.input_volume is not None
        else float("nan"),
    }
    return SideBySide(rows=rows, totals=totals, n_ranked=n_ranked)


def _driver(rec: dict, outputs: Sequence[str]) -> str:
    """The output with the largest gap to its target, in words."""
    gaps = [(rec.get(f"potential_{o}_pct", 0.0) or 0.0, o) for o in outputs]
    gap, name = max(gaps)
    if not gap > 0.05:
        return "ingen af løfteevnerne ligger under målet"
    area = AREA_DA.get(name.removeprefix("loefteevne_"), name)
    return f"størst afstand på løfteevnen for {area}: {_num(rec[name], 2)} mod målet {_num(rec['target_' + name], 2)}"


def explain(rec: dict, outputs: Sequence[str], n: int) -> str:
    """The reason in words for one row of :func:`side_by_side` (Danish; numbers as in the row)."""
    name, rank, group = rec["navn"], int(rec["benchmark_rank"]), rec["med_group"]
    if pd.isna(rec["med_score"]):
        return f"{name} har ingen mulig sammenligning i DEA med udgifter."
    unit = rec.get("dea_unit", name)
    joint = [] if unit in (None, name) else [f"I DEA indgår {name} i {unit}: tallene nedenfor gælder jobcentret."]
    parts = joint + [
        f"{name} er nr. {rank} af {n} i benchmarkingen (faktisk minus forventet {_num(rec['diff_pp'], 2)} pct.-point) "
        f"og i gruppe {int(group)} i DEA med udgifter (score {_num(rec['med_score'], 3)}; uden udgifter "
        f"{_num(rec['uden_score'], 3)}, gruppe {int(rec['uden_group'])})."
    ]
    if not pd.isna(rec.get("med_score_bc", np.nan)):
        parts.append(
            f"Bootstrap: bias-korrigeret score {_num(rec['med_score_bc'], 3)} (90 %-interval "
            f"{_num(rec['med_lower'], 3)}–{_num(rec['med_upper'], 3)})."
        )
    if rec["med_score"] > 1 + 1e-9:  # left out of the reference set (exclude=) and beyond the others' frontier
        parts.append(
            "Kommunen er holdt uden for fronten og ligger uden for den (score over 1): ingen kombination af de "
            "andre kommuner får lige så meget løfteevne pr. krone."
        )
    elif rec["med_score"] >= 1 - 1e-9:
        parts.append("Kommunen ligger på fronten: ingen anden kombination af kommuner får mere løfteevne pr. krone.")
    else:
        parts.append(f"Fronten defineres af {rec['med_peers']}.")
        cost, target = rec["cost_per_fuldtidsperson_kr"], rec["target_cost_per_fuldtidsperson_kr"]
        parts.append(
            f"Udgiften er {_num(cost)} kr. pr. fuldtidsperson mod {_num(target)} kr. hos fronten ved samme "
            f"resultater; {_driver(rec, outputs)}."
        )
    good_rank, weak_rank = rank <= n / 3, rank > 2 * n / 3
    if good_rank and group >= 4:
        parts.append(
            "Benchmarkingen belønner, at færre er på ydelse end forventet; DEA belønner resultater pr. krone, "
            "og her trækker de høje udgifter ned."
        )
    elif weak_rank and group <= 2:
        parts.append(
            "DEA belønner resultater pr. krone, og udgifterne er lave; benchmarkingen ser kun, at flere er på "
            "ydelse end forventet, og ser ikke på udgifterne."
        )
    else:
        parts.append("De to metoder peger i store træk samme vej.")
    return " ".join(parts)
