"""Publishing stage: rounding as the ministry publishes, small-cell suppression, one Danish formatter.

Every output of kommunebench — the API's JSON, the dashboard's pages, the CSV files, the Excel
workbook and the static HTML report — renders the one frozen public view made here
(:func:`public_view`), so rounding and suppression are identical everywhere
(``docs/api.md``: what is suppressed and why).
"""

from kommunebench.publish.display import PRECISE_SUFFIX, display_frame, label_kinds, rounded_frame
from kommunebench.publish.format import DASH, format_number_da, period_lead, period_text, signed_da
from kommunebench.publish.joblog import (
    JOBLOG_CATEGORIES,
    criteria_months,
    monthly_flags,
    public_joblog,
    public_national,
)
from kommunebench.publish.labels import (
    AREA_LABELS,
    ATTRIBUTION,
    COLUMNS,
    KLYNGE_METHOD,
    ROUNDING_NOTE,
    SHEET_NAMES,
    TOTAL,
    column_label,
    suppression_note,
)
from kommunebench.publish.municipality import klynge_block, own_figures, potential_block, similar_rows, tilsyn_block
from kommunebench.publish.rounding import round_count, round_half_away
from kommunebench.publish.suppress import SUPPRESSED_FIELDS, suppression_mask
from kommunebench.publish.view import Facts, PublicRun, public_view

__all__ = [
    "AREA_LABELS",
    "ATTRIBUTION",
    "COLUMNS",
    "DASH",
    "Facts",
    "JOBLOG_CATEGORIES",
    "KLYNGE_METHOD",
    "PRECISE_SUFFIX",
    "PublicRun",
    "ROUNDING_NOTE",
    "SHEET_NAMES",
    "SUPPRESSED_FIELDS",
    "TOTAL",
    "column_label",
    "display_frame",
    "format_number_da",
    "klynge_block",
    "label_kinds",
    "own_figures",
    "period_lead",
    "period_text",
    "potential_block",
    "public_joblog",
    "criteria_months",
    "monthly_flags",
    "public_national",
    "public_view",
    "round_count",
    "round_half_away",
    "rounded_frame",
    "signed_da",
    "similar_rows",
    "suppression_mask",
    "suppression_note",
    "tilsyn_block",
]
