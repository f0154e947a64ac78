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
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import APIRouter, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from kommunebench.api import auth
from kommunebench.api.db import Warehouse
from kommunebench.api.models import ErrorResponse
from kommunebench.errors import KommunebenchError

__all__ = ["Ctx", "Pages", "ERRORS", "principal", "optional_principal", "bearer_principal",
           "SESSION_COOKIE", "response_cache_key"]

SESSION_COOKIE = "kb_session"
_bearer = HTTPBearer(auto_error=False, scheme_name="token",
                     description="API-nøgle fra 'kommunebench token create': Authorization: Bearer kb_…")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="session",
                       description="Sessionscookie sat af POST /api/v1/session (kun læsning)")

ERRORS = {s: {"model": ErrorResponse, "description": d} for s, d in (
    (400, "Ugyldig forespørgsel"), (404, "Findes ikke"), (422, "Ugyldige parametre"),
    (503, "Datavarehuset er optaget (en anden proces skriver); prøv igen"))}
AUTH_ERRORS = {s: {"model": ErrorResponse, "description": d} for s, d in (
    (401, "Mangler eller ugyldig adgangsnøgle"), (403, "Rollen giver ikke adgang"))}


@dataclass
class Ctx:
    """What a request needs: the warehouse handle and the publication settings."""

    wh: Warehouse
    threshold: int
    extras: dict = field(default_factory=dict)  # e.g. the alerts stage, when installed


def get_ctx(request: Request) -> Ctx:
    return request.app.state.ctx


def _resolve(ctx: Ctx, token: str | None) -> auth.Principal | None:
    if not token:
        return None
    return auth.verify_token(token, ctx.wh.cached(("tokens",), auth.token_table))


def principal(request: Request, creds: HTTPAuthorizationCredentials | None = Security(_bearer),
              session: str | None = Security(_cookie)) -> auth.Principal | None:
    """The caller from the Bearer header or the session cookie (None = anonymous)."""
    return _resolve(get_ctx(request), creds.credentials if creds else session)


def bearer_principal(request: Request,
                     creds: HTTPAuthorizationCredentials | None = Security(_bearer)) -> auth.Principal | None:
    """The caller from the Bearer header only (writes: a cookie is never enough)."""
    return _resolve(get_ctx(request), creds.credentials if creds else None)


def optional_principal(request: Request) -> auth.Principal | None:
    """For the navigation of public pages: an invalid cookie just means anonymous."""
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)
    try:
        return _resolve(get_ctx(request), token)
    except KommunebenchError:  # an invalid token, or the warehouse busy while rendering an error page
        return None


def response_cache_key(scope: dict, today: dt.date) -> tuple:
    """Key of a public JSON answer by its raw request line (see :class:`kommunebench.api.app._Edge`)."""
    return ("http", scope["path"], scope.get("query_string", b""), today)


def _json_bytes(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


class Pages:
    """Collects the twin routes; the app's ``state.render`` (the Jinja2 side) renders the pages."""

    def __init__(self) -> None:
        self.api = APIRouter(prefix="/api/v1")
        self.web = APIRouter(include_in_schema=False)

    def page(self, path: str, *, template: str, model: type[BaseModel], summary: str, tags: list[str],
             public: bool = True, html_extra: Callable[[Ctx, BaseModel], dict] | None = None,
             description: str | None = None, api_path: str | None = None):
        def deco(fn: Callable[..., BaseModel]):
            sig = inspect.signature(fn, eval_str=True)
            names = list(sig.parameters)
            responses = {**ERRORS, **({} if public else AUTH_ERRORS)}

            if public:
                async def api_endpoint(**kw):
                    request: Request = kw.pop("_request")
                    ctx: Ctx = kw["ctx"]
                    today = dt.date.today()
                    key = (fn.__name__, tuple(sorted((k, str(v)) for k, v in kw.items() if k != "ctx")), today)
                    alias = response_cache_key(request.scope, today)  # lets the edge answer repeats directly
                    body = await run_in_threadpool(ctx.wh.memo, key, lambda: _json_bytes(fn(**kw)), alias=alias)
                    return Response(body, media_type="application/json")
            else:
                def api_endpoint(**kw):
                    return Response(_json_bytes(fn(**kw)), media_type="application/json")
            api_params = list(sig.parameters.values())
            if public:
                api_params.append(inspect.Parameter("_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request))
            api_endpoint.__signature__ = sig.replace(parameters=api_params, return_annotation=model)
            api_endpoint.__name__ = fn.__name__
            api_endpoint.__doc__ = fn.__doc__
            self.api.add_api_route(api_path or path, api_endpoint, methods=["GET"], response_model=model,
                                   summary=summary, description=description or inspect.getdoc(fn),
                                   tags=tags, responses=responses, operation_id=fn.__name__)

            params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        annotation=Request)]
            params += [p for p in sig.parameters.values() if p.name != "request"]

            def html_endpoint(**kw):
                request = kw.pop("request")
                if "request" in names:
                    kw["request"] = request
                data = fn(**kw)
                extra = html_extra(kw["ctx"], data) if html_extra else {}
                return request.app.state.render(request, template, data, api_path=api_path, **extra)
            html_endpoint.__signature__ = sig.replace(parameters=params, return_annotation=HTMLResponse)
            html_endpoint.__name__ = fn.__name__ + "_html"
            self.web.add_api_route(path, html_endpoint, methods=["GET"], response_class=HTMLResponse)
            return fn
        return deco
