"""Danish words for what the validation library says, and municipality names in paths.

* :func:`validation_details`: FastAPI's request-validation errors (pydantic's English ``msg``)
  as the documented error shape's ``details`` with a Danish ``msg`` per field, and one Danish
  sentence for the error's ``message``.
* :func:`name_redirect`: ``/kommuner/aarhus`` (any name, alias or slug in a path where a
  kommunekode belongs) is redirected to ``/kommuner/751``; an unknown name is a 404 with
  suggestions ("Ukendt kommune 'Kobenhavn' – mente du København?").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import RedirectResponse

from kommunebench.data import reference

__all__ = ["validation_details", "validation_message", "name_redirect"]

_WHERE = {"query": "parameteren", "path": "stien", "body": "feltet", "header": "headeren", "cookie": "cookien"}

_MESSAGES: dict[str, str] = {
    "missing": "skal angives",
    "int_parsing": "skal være et helt tal",
    "int_type": "skal være et helt tal",
    "int_from_float": "skal være et helt tal",
    "float_parsing": "skal være et tal",
    "float_type": "skal være et tal",
    "bool_parsing": "skal være sand eller falsk (true/false)",
    "bool_type": "skal være sand eller falsk (true/false)",
    "date_parsing": "skal være en dato, ÅÅÅÅ-MM-DD",
    "date_from_datetime_parsing": "skal være en dato, ÅÅÅÅ-MM-DD",
    "date_type": "skal være en dato, ÅÅÅÅ-MM-DD",
    "datetime_parsing": "skal være et tidspunkt, ÅÅÅÅ-MM-DDTTT:MM:SS",
    "string_type": "skal være tekst",
    "json_invalid": "er ikke gyldig JSON",
    "model_attributes_type": "skal være et JSON-objekt",
    "dict_type": "skal være et JSON-objekt",
    "list_type": "skal være en liste",
    "extra_forbidden": "er ikke et kendt felt",
    "value_error": "har en ugyldig værdi",
    "assertion_error": "har en ugyldig værdi",
}


def _limit(kind: str, ctx: Mapping[str, Any]) -> str | None:
    bounds = {
        "greater_than_equal": ("skal være mindst {}", "ge"),
        "greater_than": ("skal være større end {}", "gt"),
        "less_than_equal": ("må højst være {}", "le"),
        "less_than": ("skal være mindre end {}", "lt"),
        "string_too_long": ("må højst have {} tegn", "max_length"),
        "string_too_short": ("skal have mindst {} tegn", "min_length"),
        "too_long": ("må højst have {} elementer", "max_length"),
        "too_short": ("skal have mindst {} elementer", "min_length"),
        "string_pattern_mismatch": ("har ikke den rigtige form ({})", "pattern"),
    }
    if kind not in bounds:
        return None
    text, key = bounds[kind]
    value = ctx.get(key, "")
    return text.format(str(value).replace(".", ",") if isinstance(value, float) else value)


def _msg(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    limit = _limit(kind, ctx)
    if limit is not None:
        return limit
    if kind in ("literal_error", "enum"):
        return f"skal være en af {ctx.get('expected', '')}".strip()
    return _MESSAGES.get(kind, "har en ugyldig værdi")


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return "forespørgslen"
    where = _WHERE.get(parts[0])
    name = ".".join(parts[1:]) if where else ".".join(parts)
    if not name:
        return "forespørgslens indhold" if parts[0] == "body" else "forespørgslen"
    return f"{where} {name}" if where else name


def validation_details(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``[{"loc": [...], "msg": "<Danish>", "type": "<pydantic type>"}, ...]``."""
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": f"{_field(e.get('loc', ()))} {_msg(e)}",
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def validation_message(details: Sequence[Mapping[str, Any]]) -> str:
    """One Danish sentence for the first three problems."""
    shown = "; ".join(str(d["msg"]) for d in details[:3])
    more = f" (og {len(details) - 3} mere)" if len(details) > 3 else ""
    return f"ugyldig forespørgsel: {shown}{more}" if shown else "ugyldig forespørgsel"


_KOMMUNE_PATH = re.compile(r"^(?P<prefix>(?:/api/v1)?/kommuner/)(?P<name>[^/]+)(?P<rest>/.*)?$")


def name_redirect(request: Request, errors: Sequence[Mapping[str, Any]]) -> RedirectResponse | None:
    """A redirect from a municipality *name* in the path to its kommunekode (``None``: not that case).

    Raises :class:`ReferenceDataError` (with suggestions) when the name is no municipality's.
    """
    if request.method not in ("GET", "HEAD"):
        return None
    if not any(tuple(e.get("loc", ()))[:2] == ("path", "kommunekode") for e in errors):
        return None
    m = _KOMMUNE_PATH.match(request.url.path)
    if m is None:
        return None
    code = reference.resolve_municipality(unquote(m.group("name")))  # "aarhus", "Århus", "lyngby-taarbaek"
    target = f"{m.group('prefix')}{code}{quote(m.group('rest') or '')}"
    if request.url.query:
        target += f"?{request.url.query}"
    return RedirectResponse(target, status_code=308)
