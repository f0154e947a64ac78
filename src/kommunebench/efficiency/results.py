"""The read-only result of a DEA run: :class:`EfficiencyResult` with ``.summary()`` and ``.to_frame()``.

Potentials are measured against each unit's max-slack target (Σλx, Σλy): for an input
(x − target)/x × 100 % less, for an output (target − y)/y × 100 % more. In units: an input's
saving × ``input_volume`` (e.g. cost per fuldtidsperson × fuldtidspersoner = kr.); for a ratio
output (løfteevne = expected ÷ actual) the persons fewer on benefits at unchanged expected,
actual × (1 − y/target).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommunebench.efficiency.bootstrap import BootstrapScores
from kommunebench.efficiency.dea import DEAScores
from kommunebench.efficiency.deadata import DEAData

__all__ = ["EfficiencyResult"]


def _denoise(share: np.ndarray) -> np.ndarray:
    return np.where(np.abs(share) < 1e-8, 0.0, share)


def _danish(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


_ORIENTATION_DA = {"input": "input-orienteret", "output": "output-orienteret"}
_PEER_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class EfficiencyResult:
    """One DEA model of :func:`~kommunebench.efficiency.compute_efficiency` (read-only).

    ``scores`` holds the arrays (:class:`~kommunebench.efficiency.dea.DEAScores`), ``bootstrap``
    the bootstrap (subsampling or Simar–Wilson) or None, ``groups`` the group per unit (1 = best, 0 = no score)
    under ``grouping`` / ``n_groups`` / ``bands``; ``excluded`` are the units left out of the
    reference set; ``notes`` say what a reader must know to read the numbers.
    """

    data: DEAData
    orientation: str
    rts: str
    scores: DEAScores
    bootstrap: BootstrapScores | None
    groups: np.ndarray
    grouping: str
    n_groups: int
    bands: tuple[float, ...]
    excluded: tuple[int | str, ...]
    notes: tuple[str, ...]

    # --- per-unit numbers --------------------------------------------------------------

    def potential_pct(self) -> np.ndarray:
        """Radial improvement potential in %: input (1 − θ)·100 less input, output (φ − 1)·100 more output."""
        s = self.scores
        return (1.0 - s.score) * 100.0 if self.orientation == "input" else (s.phi - 1.0) * 100.0

    def _input_gap(self) -> np.ndarray:
        """x − target per unit and input, as a share of x (solver noise below 1e-8 set to 0)."""
        x = self.data.inputs
        return _denoise((x - self.scores.input_target) / x)

    def _output_gap(self) -> np.ndarray:
        """target − y per unit and output, as a share of y (NaN where y = 0)."""
        y = self.data.outputs
        with np.errstate(divide="ignore", invalid="ignore"):
            return _denoise(np.where(y > 0, (self.scores.output_target - y) / y, np.nan))

    def input_potential(self) -> np.ndarray:
        """Per unit and input: (x − target)/x in % (radial part and slack)."""
        return self._input_gap() * 100.0

    def output_potential(self) -> np.ndarray:
        """Per unit and output: (target − y)/y in % (NaN where y = 0)."""
        return self._output_gap() * 100.0

    def input_potential_total(self) -> np.ndarray | None:
        """Per unit and input: saving × input_volume (e.g. kr.), or None without volumes."""
        if self.data.input_volume is None:
            return None
        return self._input_gap() * self.data.inputs * self.data.input_volume

    def output_potential_persons(self) -> np.ndarray | None:
        """Per unit and ratio output: actual × (1 − y/target) fewer persons, or None without counts."""
        if self.data.output_counts is None:
            return None
        gap = self._output_gap()
        return self.data.output_counts * gap / (1.0 + gap)

    def peers(self) -> pd.DataFrame:
        """Tidy peers: unit, peer, weight λ (only λ > 1e-6), sorted by unit and descending weight."""
        lam = self.scores.lambdas
        rows, cols = np.nonzero(lam > _PEER_TOL)
        ref = self.scores.reference
        frame = pd.DataFrame(
            {
                "unit": [self.data.units[i] for i in rows],
                "peer": [self.data.units[ref[j]] for j in cols],
                "peer_label": [self.data.labels[ref[j]] for j in cols],
                "weight": lam[rows, cols],
            }
        )
        frame["_row"] = rows
        frame = frame.sort_values(["_row", "weight"], ascending=[True, False])
        return frame.drop(columns="_row").reset_index(drop=True)

    def _peer_text(self) -> list[str]:
        lam = self.scores.lambdas
        ref = self.scores.reference
        out = []
        for i in range(self.data.n):
            idx = np.flatnonzero(lam[i] > _PEER_TOL)
            idx = idx[np.argsort(-lam[i, idx], kind="stable")]
            out.append("; ".join(f"{self.data.labels[ref[j]]} ({lam[i, j]:.3f})" for j in idx))
        return out

    # --- totals ---------------------------------------------------------------------------

    def totals(self) -> dict[str, float]:
        """National sums of the potentials in units (kr., persons) over the scored units."""
        out: dict[str, float] = {}
        totals = self.input_potential_total()
        if totals is not None:
            for i, name in enumerate(self.data.input_names):
                if not self.data.constant_inputs[i]:
                    out[f"{name}_{self.data.input_volume_unit or 'total'}"] = float(np.nansum(totals[:, i]))
        persons = self.output_potential_persons()
        if persons is not None:
            out["persons"] = float(np.nansum(persons))
        return out

    # --- views ----------------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: scores, bootstrap, group, peers, slacks, targets and potentials."""
        s, d = self.scores, self.data
        in_ref = np.zeros(d.n, dtype=bool)
        in_ref[s.reference] = True
        f = pd.DataFrame({"unit": list(d.units), "label": list(d.labels), "score": s.score})
        if self.orientation == "output":
            f["phi"] = s.phi
        f["efficient"] = s.efficient
        b = self.bootstrap
        if b is not None:
            f["score_bc"], f["bias"], f["std"] = b.bias_corrected, b.bias, b.std
            f["lower"], f["upper"] = b.lower, b.upper
            f["bias_correction_advised"] = b.bias_correction_advised
            if b.calibration is not None:  # what the two-level calibration chose, on every row
                f["interval_level"], f["rate_exponent"] = b.level, b.rate
            if self.orientation == "output":
                with np.errstate(divide="ignore"):
                    f["phi_bc"], f["phi_lower"], f["phi_upper"] = 1 / b.bias_corrected, 1 / b.upper, 1 / b.lower
        f["group"] = pd.array([int(g) if g > 0 else pd.NA for g in self.groups], dtype="Int64")
        f["peers"] = self._peer_text()
        f["potential_pct"] = self.potential_pct()
        in_pot, out_pot = self.input_potential(), self.output_potential()
        for i, name in enumerate(d.input_names):
            if d.constant_inputs[i]:
                continue
            f[f"slack_{name}"], f[f"target_{name}"] = s.input_slack[:, i], s.input_target[:, i]
            f[f"potential_{name}_pct"] = in_pot[:, i]
        for r, name in enumerate(d.output_names):
            f[f"slack_{name}"], f[f"target_{name}"] = s.output_slack[:, r], s.output_target[:, r]
            f[f"potential_{name}_pct"] = out_pot[:, r]
        totals = self.input_potential_total()
        if totals is not None:
            for i, name in enumerate(d.input_names):
                if not d.constant_inputs[i]:
                    f[f"potential_{name}_{d.input_volume_unit or 'total'}"] = totals[:, i]
        persons = self.output_potential_persons()
        if persons is not None:
            for r, name in enumerate(d.output_names):
                f[f"potential_{name}_persons"] = persons[:, r]
            f["potential_persons"] = np.where(s.feasible, np.nansum(persons, axis=1), np.nan)
        f["reference"] = in_ref
        f["feasible"] = s.feasible
        return f

    def summary(self) -> str:
        """A short Danish-friendly text: model, frontier, groups, bootstrap, national potential."""
        s, d = self.scores, self.data
        ok = s.feasible
        lines = [
            f"DEA ({d.variant}): {_ORIENTATION_DA[self.orientation]}, {self.rts.upper()}, "
            f"{d.n} enheder, input: {', '.join(d.input_names)}; output: {', '.join(d.output_names)}",
        ]
        if d.environment_names:
            env = ", ".join(f"{n} (højere = {'bedre' if h == 'better' else 'værre'})" for n, h in
                            zip(d.environment_names, d.environment_higher_is, strict=True))  # fmt: skip
            lines.append(f"Rammevilkår som ikke-skønsmæssigt input: {env}")
        if self.excluded:
            names = ", ".join(self._labels(self.excluded))
            lines.append(f"Udeladt af referencemængden (men scoret): {names}")
        lines.append(
            f"Effektive (score 1, ingen slack): {int(s.efficient.sum())} af {int(ok.sum())}; "
            f"gennemsnitlig score {np.nanmean(s.score[ok]):.3f}, median {np.nanmedian(s.score[ok]):.3f}"
        )
        if (~ok).any():
            lines.append(f"Uden mulig sammenligning (ingen score): {', '.join(np.array(d.labels)[~ok])}")
        counts = [int((self.groups == g).sum()) for g in range(1, self.n_groups + 1)]
        lines.append(f"Grupper ({self.grouping}): " + ", ".join(f"{g}: {c}" for g, c in enumerate(counts, start=1)))
        if self.bootstrap is not None:
            b = self.bootstrap
            how = (
                f"delstikprøver m = {b.subsample} (Kneip, Simar & Wilson 2008)"
                + (f", {b.calibration.describe()}" if b.calibration is not None else "")
                if b.method == "subsampling"
                else f"Simar & Wilson 1998, båndbredde {b.bandwidth:.4f} ({b.bandwidth_rule})"
            )
            lines.append(
                f"Bootstrap, {how}: {b.replications} replikationer, {100 * (1 - b.alpha):.0f} %-intervaller; "
                f"gennemsnitlig bias {np.nanmean(b.bias[ok]):.4f}, bias-korrigeret score i gennemsnit "
                f"{np.nanmean(b.bias_corrected[ok]):.3f}"
            )
        for key, value in self.totals().items():
            lines.append(f"Samlet potentiale, {key}: {_danish(value)}")
        lines += [f"Bemærk: {note}" for note in self.notes]
        return "\n".join(lines)

    def _labels(self, ids: tuple[int | str, ...]) -> list[str]:
        pos = {u: i for i, u in enumerate(self.data.units)}
        return [self.data.labels[pos[u]] for u in ids]
