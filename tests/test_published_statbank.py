"""StatBank-shaped factor files and the public-data approximation (clearly not the ministry's model)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from kommunebench.benchmark.published_lists import build_published_lists
from kommunebench.errors import ValidationError
from kommunebench.published import read_bytes, validate
from kommunebench.published.approximation import LABEL, approximate
from kommunebench.published.statbank import read_factor
from published_shapes import FIXTURES, SUBSET

FACTORS = sorted((FIXTURES / "dst_factors").glob("*.csv"))


def test_statbank_csv_reply_and_factor_files(tmp_path):
    are = read_factor(FIXTURES / "ARE207_data.csv")  # BOM, ';', decimal comma, value texts
    assert are["kommunekode"].nunique() == 98 and are["factor"].iloc[0] == "ARE207_data"
    text = (FIXTURES / "ARE207_data.csv").read_text("utf-8-sig").splitlines()
    kept = [ln for ln in text[1:] if not ln.startswith(("Hele landet", "Region", "Christiansø"))]
    assert len(are) == len(kept)
    edu = read_factor(FACTORS[0])
    assert set(edu.columns) == {"kommunekode", "year", "value", "factor"} and edu["kommunekode"].nunique() == 98
    bad = tmp_path / "bad.csv"
    bad.write_text("municipality,year,value\nAtlantis,2022,1.5\n", "utf-8")
    with pytest.raises(ValidationError, match="ukendt kommunenavn") as exc:
        read_factor(bad)
    assert exc.value.row == 1 and exc.value.column == "municipality"
    bad.write_text("\ufeffOMRÅDE;TID;INDHOLD\nAarhus;2022;1.5\n", "utf-8")
    with pytest.raises(ValidationError, match="decimalpunktum"):
        read_factor(bad)


def test_approximation_is_labelled_and_its_figures_add_up():
    figures = validate(read_bytes(SUBSET.name, SUBSET.read_bytes())).frame
    total = build_published_lists(figures, period="2022QMAT04").overall
    a = approximate(total, {p.stem: read_factor(p) for p in FACTORS}, period="2022QMAT04")
    assert a.label == LABEL and "ikke ministeriets model" in a.label
    f = a.frame.set_index("kommunekode").sort_index()
    assert len(f) == 98 and sorted(f["approx_rank"]) == list(range(1, 99))
    assert np.allclose(f["approx_diff_pp"], f["actual_share"] - f["approx_expected_share"])
    assert a.corr_expected == pytest.approx(
        np.corrcoef(f["approx_expected_share"], f["published_expected_share"])[0, 1]
    )
    assert a.spearman_rank == pytest.approx(spearmanr(f["approx_rank"], f["published_rank"]).statistic)
    assert 0 < a.r2_weighted < 1 and a.corr_expected > 0  # better than a constant, short of the model
    assert len(a.coefficients) == len(FACTORS) + 1 and set(a.coefficients["year"].dropna()) <= {2022}
