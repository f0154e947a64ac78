"""Letter drafts in Danish from editable Jinja2 templates, filled with the municipality's figures.

Templates: one per action, ``<action>.txt.j2`` (plain text). The shipped defaults live in
``kommunebench/alerts/templates/``. The user's own templates are used instead when
``template=`` (or the setting ``joblog_templates``) names a template file, or a folder holding
``<action>.txt.j2`` files (an action missing from the folder falls back to the shipped one).

What a template sees (see ``docs/joblog.md`` for the full list): ``kommune`` (``kode``, ``navn``, ``formelt_navn``),
``action``, ``action_label``, ``as_of``, ``month`` (the latest published month), ``published_on``,
``figures`` (the month's counts and shares), ``national``, ``criteria`` (the criteria cited:
``key``, ``name``, ``rule``, ``met``, ``evidence``), ``history`` (12 months), ``last_contact``,
``contacts``, ``best`` (the municipalities with the lowest red shares that month, among those
with a target group over 40), ``thresholds``; filters ``pct`` (``52,3``), ``antal`` (``1.234``),
``maaned`` (``januar 2023``) and ``dato`` (``1. april 2023``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from jinja2.sandbox import SandboxedEnvironment

from kommunebench import settings
from kommunebench.alerts.calendar import add_months, date_label_da, month_label_da, parse_date
from kommunebench.alerts.caselog import ACTIONS, case_log
from kommunebench.alerts.criteria import CRITERIA, Thresholds, criteria_keys, criterion_text, resolve_thresholds
from kommunebench.alerts.joblog import joblog_history, joblog_status
from kommunebench.data import reference
from kommunebench.errors import ConfigError

__all__ = ["draft_letter", "letter_context", "template_source", "render_template"]


def _pct(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):.1f}".replace(".", ",")


def _antal(value) -> str:
    return f"{int(value):,}".replace(",", ".")


def _maaned(value) -> str:
    return month_label_da(value.date() if isinstance(value, pd.Timestamp) else value)


def _dato(value) -> str:
    return date_label_da(value.date() if isinstance(value, pd.Timestamp) else value)


def _env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(pct=_pct, antal=_antal, maaned=_maaned, dato=_dato)
    return env


def template_source(action: str, template: str | Path | None = None) -> tuple[str, str]:
    """(template text, where it came from) for ``action``."""
    if action not in ACTIONS:
        raise ConfigError(f"ukendt handling {action!r}: vælg en af {', '.join(ACTIONS)}")
    chosen = settings.get_str("joblog_templates", template)
    if chosen:
        given = Path(chosen).expanduser()
        path: Path | None = given
        if given.is_dir():
            candidate = given / f"{action}.txt.j2"
            path = candidate if candidate.is_file() else None
        elif not given.is_file():
            raise ConfigError(
                f"letter template {given} does not exist (give a template file or a folder of <action>.txt.j2 files)"
            )
        if path is not None:
            try:
                return path.read_text("utf-8"), str(path)
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read the letter template {path}: {exc}") from None
    ref = resources.files("kommunebench.alerts").joinpath("templates", f"{action}.txt.j2")
    return ref.read_text("utf-8"), f"kommunebench/alerts/templates/{action}.txt.j2"


def render_template(text: str, context: Mapping, *, source: str = "<template>") -> str:
    try:
        return _env().from_string(text).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"letter template {source}, line {exc.lineno}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise ConfigError(f"letter template {source}: {exc}") from None


def _native(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def _record(row: Mapping[Any, Any] | pd.Series) -> dict[Any, Any]:
    return {k: _native(v) for k, v in row.items()}


def _evidence(key: str, fig: dict, hist: pd.DataFrame, th: Thresholds) -> str:
    month = month_label_da(fig["month"])
    if key == "1":
        return (
            f"I {month} havde {_pct(fig['red_share'])} pct. af kommunens {_antal(fig['target_group'])} "
            f"borgere i målgruppen ({_antal(fig['red'])} borgere) ingen registreret jobsøgning."
        )
    if key == "2":
        run = max(int(fig["c2_run"] or 0), 1)
        last = hist.tail(run)
        months = "; ".join(
            f"{month_label_da(m.date())}: {_pct(share)} pct."
            for m, share in zip(last["month"], last["red_share"], strict=True)
        )
        limit = f"{th.c2_red_share:g}".replace(".", ",")
        return (
            f"Andelen af borgere uden registreret jobsøgning har været over {limit} "
            f"pct. i {run} sammenhængende måned(er) til og med {month} ({months})."
        )
    if fig.get("c3_cohort") in (None, 0):
        return "Kriterium 3 kan endnu ikke opgøres for kommunen."
    follow = add_months(fig["c3_month"], th.c3_months_after)
    return (
        f"Af de {_antal(fig['c3_cohort'])} borgere uden registreret jobsøgning i "
        f"{month_label_da(fig['c3_month'])} havde {_antal(fig['c3_still_red'])} "
        f"({_pct(fig['c3_share'])} pct.) fortsat ingen jobsøgning i {month_label_da(follow)}."
    )


def letter_context(
    con,
    kommunekode: int | str,
    *,
    as_of: dt.date | str,
    action: str = "letter_manager",
    criterion=None,
    thresholds: Thresholds | Mapping | None = None,
) -> dict:
    """The values a letter template is rendered with (see the module docstring)."""
    code = reference.resolve_municipality(kommunekode)
    if action not in ACTIONS:
        raise ConfigError(f"ukendt handling {action!r}: vælg en af {', '.join(ACTIONS)}")
    as_of = parse_date(as_of, what="opgørelsesdatoen")
    th = resolve_thresholds(thresholds)
    status = joblog_status(con, as_of, thresholds=th)
    frame = status.frame
    fig = _record(frame.set_index("kommunekode").loc[code].to_dict() | {"kommunekode": code})
    hist = joblog_history(con, code, as_of=as_of, months=12, thresholds=th)
    met = tuple(k for k in CRITERIA if fig[f"criterion_{k}"])
    keys = criteria_keys(criterion) or met
    criteria = [
        {
            "key": k,
            "name": CRITERIA[k],
            "rule": criterion_text(k, th),
            "met": k in met,
            "evidence": _evidence(k, fig, hist, th),
        }
        for k in keys
    ]
    n_best = settings.get_int("joblog_best_municipalities")
    pool = frame[(frame["target_group"] > th.min_target_group) & (frame["kommunekode"] != code)]
    best = [
        _record(r)
        for _, r in pool.sort_values(["red_share", "kommunekode"])
        .head(n_best)[["kommunekode", "navn", "target_group", "red", "red_share"]]
        .iterrows()
    ]
    contacts = case_log(con, code)
    contacts = contacts[contacts["action_date"] <= as_of]
    contact_rows = [_record(r) for _, r in contacts.iterrows()]
    return {
        "kommune": {
            "kode": code,
            "navn": reference.municipality(code).navn,
            "formelt_navn": reference.formal_name(code),
        },
        "action": action,
        "action_label": ACTIONS[action],
        "actions": dict(ACTIONS),
        "as_of": as_of,
        "month": status.month,
        "published_on": status.published_on,
        "figures": fig,
        "national": _record(status.national),
        "criteria": criteria,
        "criteria_met": list(met),
        "history": [_record(r) for _, r in hist.iterrows()],
        "last_contact": contact_rows[-1] if contact_rows else None,
        "contacts": contact_rows,
        "best": best,
        "thresholds": th,
    }


def draft_letter(
    con,
    kommunekode: int | str,
    *,
    as_of: dt.date | str,
    action: str = "letter_manager",
    criterion=None,
    template: str | Path | None = None,
    thresholds: Thresholds | Mapping | None = None,
) -> str:
    """A Danish letter draft for ``action`` to the municipality, as of ``as_of``.

    ``criterion`` picks the criterion (or criteria, ``"1,3"``) the letter cites; by default the
    criteria the municipality meets. ``template`` is a template file or a folder of templates
    (default: the setting ``joblog_templates``, else the shipped templates).
    """
    context = letter_context(con, kommunekode, as_of=as_of, action=action, criterion=criterion, thresholds=thresholds)
    text, source = template_source(action, template)
    return render_template(text, context, source=source)
