"""Dependencies shared by every router: the database session and the calling principal."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import typing
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth.principal import Principal, Role
from api.auth.tokens import verify_token
from api.db import ReadSession
from api.errors import Forbidden, TooManyRequests, Unauthorized
from api.settings import Settings

READ_METHODS = frozenset({"GET", "HEAD"})
"""Methods whose handlers only read: their session runs in autocommit (see :func:`get_session`)."""


async def get_session() -> Session:
    """The marker of ``SessionDep``: :class:`HandlerRoute` gives the handler its session
    (:func:`open_session`) and ends it. Resolved by FastAPI, on a route of another class,
    nothing would end the session: refused."""
    raise RuntimeError("SessionDep is given by HandlerRoute; this route is of another class")


def open_session(request: Request) -> Session:
    """The request's session, which :class:`HandlerRoute` ends when the handler returns.

    A GET reads on an autocommit connection (``app.state.read_engine``): there is no
    transaction to end, and closing the session costs no round trip to the database.
    (PostgreSQL runs READ COMMITTED, where each statement of a transaction sees its own
    snapshot anyway.) Other methods write in one transaction, committed when the handler
    returns and rolled back if it raises, before the answer goes out, in the handler's own
    call. A session connects on its first statement: one whose handler never runs (a
    parameter or the token was refused) holds nothing to release.
    """
    state = request.app.state
    if request.method in READ_METHODS:
        return ReadSession(state.read_engine, expire_on_commit=False)
    return Session(state.engine, expire_on_commit=False)


async def get_settings_dep(request: Request) -> Settings:
    """The application's settings (given in the handler's call by :class:`HandlerRoute`)."""
    settings: Settings = request.app.state.settings
    return settings


def _run_and_end(
    handler: Callable[..., Any],
    arguments: dict[str, Any],
    request: Request,
    session_name: str | None,
    settings_name: str | None,
) -> Any:
    """Run ``handler`` with the request's session and settings where it asks for them, then
    commit the session (roll it back if the handler raised) and close it."""
    if settings_name is not None:
        arguments[settings_name] = request.app.state.settings
    if session_name is None:
        return handler(**arguments)
    session = arguments[session_name] = open_session(request)
    try:
        result = handler(**arguments)
        if not isinstance(session, ReadSession):
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    return result


class _Handlers:
    """The threads that run handlers: a plain executor, which costs less than anyio's
    ``to_thread`` (no capacity limiter, no task machinery: 6-8 % of the server CPU of a light
    GET, measured on a live server), sized by ``Settings.handler_threads``."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="handler")

    def resize(self, threads: int) -> None:
        if threads != self.threads:
            old = self.executor
            self.threads = threads
            self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="handler")
            old.shutdown(wait=False)  # its running handlers finish; it takes no new ones


_HANDLERS = _Handlers(Settings.model_fields["handler_threads"].default)


def use_handler_threads(threads: int) -> None:
    """Run the :func:`in_thread` handlers on ``threads`` threads (per process)."""
    _HANDLERS.resize(threads)


def _dependency(hint: Any) -> Any:
    """The callable of the ``Depends`` in an ``Annotated`` hint, if any."""
    return next(
        (m.dependency for m in getattr(hint, "__metadata__", ()) if hasattr(m, "dependency")),
        None,
    )


_THREADED: set[Callable[..., Any]] = set()


def in_thread(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Run this plain handler on a handler thread instead of on the event loop.

    For handlers that can take long (hundreds of milliseconds: a batch import, the district's
    targets), so that the worker's event loop goes on taking and answering its other
    requests meanwhile (see :class:`HandlerRoute`). Put it below the route decorator.
    """
    _THREADED.add(handler)
    return handler


@dataclass(frozen=True)
class _Given:
    """The parameters of a plain handler that :class:`HandlerRoute` gives it itself."""

    session: str | None = None
    settings: str | None = None
    principal: str | None = None
    admin: bool = False

    @classmethod
    def of(cls, hints: dict[str, Any]) -> _Given:
        by = {_dependency(hint): name for name, hint in hints.items()}
        principal = by.get(get_admin, by.get(get_principal))
        return cls(by.get(get_session), by.get(get_settings_dep), principal, get_admin in by)

    def names(self) -> tuple[str | None, ...]:
        return (self.session, self.settings, self.principal)


_PRINCIPAL = "carbon.principal"
"""Where :class:`HandlerRoute` leaves the request's principal in its ASGI scope."""


def _as_coroutine(handler: Callable[..., Any], given: _Given) -> Callable[..., Any]:
    """``handler`` as a coroutine that runs it, on the event loop or (:func:`in_thread`) in
    one hop to a handler thread, with what ``given`` names given there rather than resolved
    by FastAPI."""
    hints = typing.get_type_hints(handler, include_extras=True)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in inspect.signature(handler).parameters.values()
        if p.name not in given.names()
    ]
    request_name = next((p.name for p in params if p.annotation is Request), None)
    if request_name is None:
        params.append(
            inspect.Parameter("request__", inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        )
    threaded = handler in _THREADED

    @functools.wraps(handler)
    async def run(**arguments: Any) -> Any:
        request = arguments[request_name] if request_name else arguments.pop("request__")
        if given.principal is not None:
            arguments[given.principal] = request.scope[_PRINCIPAL]
        if not threaded:
            return _run_and_end(handler, arguments, request, given.session, given.settings)
        # In a copy of the request's context, as run_in_threadpool would.
        call = functools.partial(
            contextvars.copy_context().run,
            _run_and_end,
            handler,
            arguments,
            request,
            given.session,
            given.settings,
        )
        return await asyncio.get_running_loop().run_in_executor(_HANDLERS.executor, call)

    del run.__wrapped__  # FastAPI reads the signature below, not the handler's
    returns = hints.get("return", inspect.Signature.empty)
    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        params, return_annotation=None if returns is type(None) else returns
    )
    return run


class HandlerRoute(APIRoute):
    """The route of every router here: it runs a plain (``def``) handler in one call, with
    the request's session, and ends the session before the answer goes out.

    **Where the handler runs.** On the worker's event loop, as one call: the handler, then
    the commit (or rollback) and close of its session. A worker so serves one request at a
    time, as a process-per-request server does, and runs more processes for more at once
    (``carbon serve --workers``). FastAPI would instead send a plain handler to a thread
    pool, and its answer's validation to the pool again. That hop is dear here: the
    handlers are short and mostly Python, which runs one thread at a time per process, so
    the event loop and the handler threads mostly pass the interpreter lock between them.
    Measured on two cores (3 workers, PostgreSQL, ``bench.load``'s mix, closed loop, runs
    in turn): 492-652 req/s on the loop against 442-503 with one hop, and about a fifth
    less server CPU per request. A handler that can take long is marked :func:`in_thread`
    and makes the one hop to a handler thread (``CARBON_HANDLER_THREADS``), so that its
    worker goes on answering meanwhile.

    **What FastAPI resolves.** The handler's parameters only. The principal
    (``CurrentPrincipal``, ``AdminPrincipal``) is checked by the route before FastAPI reads
    the request, so that a caller without a valid token learns nothing about it (401, 403,
    429); OpenAPI shows the same ``HTTPBearer`` requirement. The session (``SessionDep``)
    and the settings (``SettingsDep``) are made from the request in the handler's call.
    Each dependency FastAPI resolves costs it about as much as a light handler's own work.
    The answer is validated on the event loop, like a coroutine's. Handlers must not leave
    ORM attributes to be loaded after they return. A coroutine handler keeps FastAPI's
    dependencies, and gets no session (nothing would end it): it is refused when the route
    is built.

    Use it with ``APIRouter(route_class=HandlerRoute)``.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        self.given = _Given()
        if not (
            inspect.iscoroutinefunction(endpoint)
            or inspect.isgeneratorfunction(endpoint)
            or inspect.isasyncgenfunction(endpoint)
        ):
            self.given = _Given.of(typing.get_type_hints(endpoint, include_extras=True))
            endpoint = _as_coroutine(endpoint, self.given)
            if self.given.principal is not None:
                extra = dict(kwargs.get("openapi_extra") or {})
                extra["security"] = [{get_principal.scheme_name: []}]
                kwargs["openapi_extra"] = extra
        elif _takes_session(endpoint):
            raise TypeError(f"{endpoint.__qualname__}: only a plain (def) handler takes a session")
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        if self.given.principal is None:
            return handle
        admin = self.given.admin

        async def authenticated(request: Request) -> Response:
            principal = await get_principal(request)
            if admin:
                principal = await get_admin(principal)
            request.scope[_PRINCIPAL] = principal
            return await handle(request)

        return authenticated


def _takes_session(endpoint: Callable[..., Any]) -> bool:
    hints = typing.get_type_hints(endpoint, include_extras=True)
    return any(_dependency(hint) is get_session for hint in hints.values())


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

MAX_INT = 2**31 - 1
"""The largest id, offset or count a parameter may take: the databases' ``integer``. Every
integer parameter is bounded, so that no number too large for the database reaches it."""


class BearerPrincipal(SecurityBase):
    """The HTTP bearer scheme, resolved to the principal behind the request's token; 401 when
    missing or bad.

    :class:`HandlerRoute` calls it before FastAPI reads the request; a coroutine handler
    resolves it as a dependency. Either way OpenAPI shows the ``HTTPBearer`` scheme. A
    verified token is not looked up again;
    the tokens a worker trusts are re-checked together every ``token_cache_seconds``
    (:class:`~api.auth.tokens.PrincipalCache`).
    """

    def __init__(self, description: str) -> None:
        self.model = HTTPBearerModel(description=description)
        self.scheme_name = "HTTPBearer"

    async def __call__(self, request: Request) -> Principal:
        state = request.app.state
        limiter = state.auth_limiter
        client = request.client.host if request.client else "unknown"
        if limiter.blocked(client):
            raise TooManyRequests("too many failed authentications; try again in a minute")
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        if not token or scheme.lower() != "bearer":
            raise Unauthorized("missing bearer token")
        cache = state.principals
        if cache.due():
            await run_in_threadpool(cache.recheck, state.read_engine)
        principal = cache.get(token)
        if principal is not None:
            return principal
        principal = await run_in_threadpool(_verify, state.read_engine, token)
        if principal is None:
            limiter.record(client)
            raise Unauthorized("invalid or revoked token")
        cache.put(token, principal)
        return principal


get_principal = BearerPrincipal("A token from `carbon token create`.")


def _verify(engine: Engine, token: str) -> Principal | None:
    with ReadSession(engine) as session:
        return verify_token(session, token)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_admin(principal: CurrentPrincipal) -> Principal:
    if principal.role is not Role.ADMIN:
        raise Forbidden("this operation needs an admin token")
    return principal


AdminPrincipal = Annotated[Principal, Depends(get_admin)]
