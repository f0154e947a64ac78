"""Report stage: the only writer of CSV, Excel and HTML, and the one Jinja2 environment.

Every writer renders the publishing stage's public view of a run (:class:`kommunebench.publish.PublicRun`;
``BenchmarkLists`` are published first with the ``suppress_below`` setting), so rounding and
small-cell suppression are the same in the CSV files, the Excel workbook, the list downloads, the
static HTML report and the dashboard's map. :func:`environment` is the Jinja2 environment the
static report and the dashboard (:mod:`kommunebench.web`) share.
"""

from kommunebench.report.downloads import list_csv_bytes, list_download_name, list_xlsx_bytes
from kommunebench.report.env import NAV, asset_path, asset_text, environment
from kommunebench.report.excel import NUMBER_FORMATS, write_excel
from kommunebench.report.exports import CSV_DIALECTS, write_csv
from kommunebench.report.figures import map_figure, map_figure_json
from kommunebench.report.funnel import FUNNEL_ELEMENT_ID, funnel_figure, funnel_figure_json
from kommunebench.report.html import write_html_report
from kommunebench.report.joblog import (
    STATUS_HEADERS,
    export_status,
    history_figure,
    status_display_frame,
    write_history_chart,
    write_status_csv,
    write_status_excel,
)

__all__ = [
    "FUNNEL_ELEMENT_ID",
    "funnel_figure",
    "funnel_figure_json",
    "CSV_DIALECTS",
    "NAV",
    "NUMBER_FORMATS",
    "STATUS_HEADERS",
    "asset_path",
    "asset_text",
    "environment",
    "export_status",
    "history_figure",
    "list_csv_bytes",
    "list_download_name",
    "list_xlsx_bytes",
    "map_figure",
    "map_figure_json",
    "status_display_frame",
    "write_csv",
    "write_excel",
    "write_history_chart",
    "write_html_report",
    "write_status_csv",
    "write_status_excel",
]
