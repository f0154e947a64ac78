"""Every page and its JSON twin from one function.

``@pages.page("/lister/{omraade}", template="lister.html", model=ListPage)`` on a function that
returns a ``ListPage`` registers two routes: ``GET /api/v1/lister/{omraade}`` returns the model as
JSON (documented in the OpenAPI document with its response model and error responses), and
``GET /lister/{omraade}`` renders the same model with a Jinja2 template. Same function, same
parameters, same errors.

Public twins are cached as serialised JSON per warehouse version (and day, because pages such
as the joblog monitor depend on today's date): a cache hit neither opens the warehouse nor runs
pydantic, which is what keeps the overall list fast under load.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from fastapi import APIRouter, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from kommunebench import access
from kommunebench.api.db import Warehouse
from kommunebench.api.models import ErrorResponse
from kommunebench.errors import KommunebenchError

__all__ = [
    "Ctx",
    "Pages",
    "ERRORS",
    "principal",
    "optional_principal",
    "bearer_principal",
    "SESSION_COOKIE",
    "response_cache_key",
    "client_address",
]

SESSION_COOKIE = "kb_session"
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="API-nøgle fra 'kommunebench token create': Authorization: Bearer kb_…",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="session",
    description="Sessionscookie sat af POST /api/v1/session (kun læsning)",
)

Responses = dict[int | str, dict[str, Any]]
ERRORS: Responses = {
    s: {"model": ErrorResponse, "description": d}
    for s, d in (
        (400, "Ugyldig forespørgsel"),
        (404, "Findes ikke"),
        (413, "Forespørgslens indhold er for stort (afvist før adgangskontrol)"),
        (422, "Ugyldige parametre"),
        (429, "For mange forkerte adgangsnøgler fra denne adresse eller til denne nøgle; prøv igen (Retry-After)"),
        (503, "Datavarehuset er optaget af en anden skrivning; prøv igen"),
    )
}
AUTH_ERRORS: Responses = {
    s: {"model": ErrorResponse, "description": d}
    for s, d in (
        (401, "Mangler eller ugyldig adgangsnøgle"),
        (403, "Rollen giver ikke adgang"),
        (413, "Forespørgslens indhold er for stort (afvist før adgangskontrol)"),
        (429, "For mange forkerte adgangsnøgler; prøv igen (Retry-After)"),
    )
}


@dataclass
class Ctx:
    """What a request needs: the warehouse handle and the publication settings."""

    wh: Warehouse
    threshold: int
    joblog: bool = True  # False: the joblog monitor is left out
    sessions: access.Sessions = field(default_factory=access.Sessions)  # cookie id → token (server-side)


def get_ctx(request: Request) -> Ctx:
    return request.app.state.ctx


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _resolve(ctx: Ctx, token: str | None, client: str | None = None) -> access.Principal | None:
    if not token:
        return None
    table = ctx.wh.cached(("tokens",), access.token_table)
    return access.verify_token(token, table, client=client, denied=access.revoked_ids(ctx.wh.path))


def _from_cookie(ctx: Ctx, sid: str | None) -> str | None:
    """The token behind a session cookie (an unknown or expired session id → not logged in)."""
    return ctx.sessions.token(sid)


def principal(
    request: Request,
    creds: HTTPAuthorizationCredentials | None = Security(_bearer),
    session: str | None = Security(_cookie),
) -> access.Principal | None:
    """The caller from the Bearer header or the session cookie (None = anonymous)."""
    ctx = get_ctx(request)
    return _resolve(ctx, creds.credentials if creds else _from_cookie(ctx, session), client_address(request))


def bearer_principal(
    request: Request, creds: HTTPAuthorizationCredentials | None = Security(_bearer)
) -> access.Principal | None:
    """The caller from the Bearer header only (writes: a cookie is never enough)."""
    return _resolve(get_ctx(request), creds.credentials if creds else None, client_address(request))


def optional_principal(request: Request) -> access.Principal | None:
    """For the navigation of public pages: an invalid cookie just means anonymous."""
    header = request.headers.get("authorization", "")
    ctx = get_ctx(request)
    token = (
        header[7:] if header.lower().startswith("bearer ") else _from_cookie(ctx, request.cookies.get(SESSION_COOKIE))
    )
    try:
        return _resolve(ctx, token, client_address(request))
    except KommunebenchError:  # an invalid token, or the warehouse busy while rendering an error page
        return None


def response_cache_key(scope: MutableMapping[str, Any], today: dt.date) -> tuple[object, ...]:
    """Key of a public JSON answer by its raw request line (see :class:`kommunebench.api.app._Edge`)."""
    return ("http", scope["path"], scope.get("query_string", b""), today)


def _json_bytes(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


def _api_endpoint(fn: Callable[..., BaseModel], public: bool) -> Callable[..., Any]:
    """The JSON twin of a page function (public ones cached as serialised JSON per warehouse version)."""
    if not public:

        def restricted(**kw: Any) -> Response:
            return Response(_json_bytes(fn(**kw)), media_type="application/json")

        return restricted

    async def cached(**kw: Any) -> Response:
        request: Request = kw.pop("_request")
        ctx: Ctx = kw["ctx"]
        today = dt.date.today()
        key = (fn.__name__, tuple(sorted((k, str(v)) for k, v in kw.items() if k != "ctx")), today)
        alias = response_cache_key(request.scope, today)  # lets the edge answer repeats directly
        body = await run_in_threadpool(ctx.wh.memo, key, lambda: _json_bytes(fn(**kw)), alias=alias)
        return Response(body, media_type="application/json")

    return cached


def _html_endpoint(
    fn: Callable[..., BaseModel],
    template: str,
    api_path: str | None,
    takes_request: bool,
    html_extra: Callable[[Ctx, Any], dict[str, Any]] | None,
) -> Callable[..., Any]:
    """The HTML page of a page function: the same model rendered with its Jinja2 template."""

    def page(**kw: Any) -> HTMLResponse:
        request: Request = kw.pop("request")
        if takes_request:
            kw["request"] = request
        data = fn(**kw)
        extra = html_extra(kw["ctx"], data) if html_extra else {}
        response: HTMLResponse = request.app.state.render(request, template, data, api_path=api_path, **extra)
        return response

    return page


class Pages:
    """Collects the twin routes; the app's ``state.render`` (the Jinja2 side) renders the pages."""

    def __init__(self) -> None:
        self.api = APIRouter(prefix="/api/v1")
        self.web = APIRouter(include_in_schema=False)

    def page(
        self,
        path: str,
        *,
        template: str,
        model: type[BaseModel],
        summary: str,
        tags: list[str | Enum],
        public: bool = True,
        html_extra: Callable[[Ctx, Any], dict[str, Any]] | None = None,
        description: str | None = None,
        api_path: str | None = None,
        optional_auth: bool = False,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
            sig = inspect.signature(fn, eval_str=True)
            api = _api_endpoint(fn, public)
            api_params = list(sig.parameters.values())
            if public:
                api_params.append(inspect.Parameter("_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request))
            setattr(api, "__signature__", sig.replace(parameters=api_params, return_annotation=model))  # noqa: B010
            api.__name__, api.__doc__ = fn.__name__, fn.__doc__
            self.api.add_api_route(
                api_path or path,
                api,
                methods=["GET"],
                response_model=model,
                summary=summary,
                description=description or inspect.getdoc(fn),
                tags=tags,
                responses={**ERRORS, **({} if public else AUTH_ERRORS)},
                operation_id=fn.__name__,
                openapi_extra={"security": [{}]} if optional_auth else None,  # {}: anonymous allowed
            )
            html = _html_endpoint(fn, template, api_path, "request" in sig.parameters, html_extra)
            params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
            params += [p for p in sig.parameters.values() if p.name != "request"]
            setattr(html, "__signature__", sig.replace(parameters=params, return_annotation=HTMLResponse))  # noqa: B010
            html.__name__ = fn.__name__ + "_html"
            self.web.add_api_route(path, html, methods=["GET"], response_class=HTMLResponse)
            return fn

        return deco
