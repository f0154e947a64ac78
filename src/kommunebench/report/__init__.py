"""Report stage: exports of the benchmark lists (CSV, Excel) and a static HTML report in Danish."""

from kommunebench.report.excel import NUMBER_FORMATS, write_excel
from kommunebench.report.exports import CSV_DIALECTS, write_csv
from kommunebench.report.html import map_figure, write_html_report

__all__ = [
    "CSV_DIALECTS",
    "NUMBER_FORMATS",
    "map_figure",
    "write_csv",
    "write_excel",
    "write_html_report",
]
