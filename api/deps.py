"""Dependencies shared by every router: the database session and the calling principal."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import typing
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
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


async def get_session(request: Request) -> Session:
    """The request's session, which :class:`OneHopRoute` ends when the handler returns.

    A GET reads on an autocommit connection (``app.state.read_engine``): there is no
    transaction to end, and closing the session costs no round trip to the database.
    (PostgreSQL runs READ COMMITTED, where each statement of a transaction sees its own
    snapshot anyway.) Other methods write in one transaction, committed when the handler
    returns and rolled back if it raises, before the answer goes out, in the handler's own
    worker-thread call. A session connects on its first statement: one whose handler never
    runs (a parameter or the token was refused) holds nothing to release. (``async``, and no
    ``yield``: resolving it costs neither a hop to a worker thread nor an exit stack.)
    """
    state = request.app.state
    if request.method in READ_METHODS:
        return ReadSession(state.read_engine, expire_on_commit=False)
    return Session(state.engine, expire_on_commit=False)


def _run_and_end(handler: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    """Run ``handler``, then commit its write session (roll it back if it raised) and close
    the session."""
    session = next((v for v in arguments.values() if isinstance(v, Session)), None)
    if session is None:
        return handler(**arguments)
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
    """Run the handlers of :class:`OneHopRoute` on ``threads`` threads (per process)."""
    _HANDLERS.resize(threads)


def _in_one_hop(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    async def run(**arguments: Any) -> Any:
        # In a copy of the request's context, as run_in_threadpool would.
        call = functools.partial(contextvars.copy_context().run, _run_and_end, handler, arguments)
        return await asyncio.get_running_loop().run_in_executor(_HANDLERS.executor, call)

    return run


class OneHopRoute(APIRoute):
    """A route whose plain (``def``) handler costs one thread-pool hop, and which ends the
    request's session.

    FastAPI would run such a handler in the thread pool and validate its answer in the
    thread pool again, and a session dependency with ``yield`` would end the session in a
    third hop, after an exit stack on the event loop. This route wraps the handler in a
    coroutine that makes one hop: the handler, then the commit (or rollback) and close of
    the session it was given (:func:`get_session`), before the answer goes out. The answer
    is then validated on the event loop, like a coroutine's. Handlers must not leave ORM
    attributes to be loaded after they return. A coroutine handler gets no session (nothing
    would end it): it is refused when the route is built.
    Use it with ``APIRouter(route_class=OneHopRoute)``.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not (
            inspect.iscoroutinefunction(endpoint)
            or inspect.isgeneratorfunction(endpoint)
            or inspect.isasyncgenfunction(endpoint)
        ):
            endpoint = _in_one_hop(endpoint)
        elif _takes_session(endpoint):
            raise TypeError(f"{endpoint.__qualname__}: only a plain (def) handler takes a session")
        super().__init__(path, endpoint, **kwargs)


def _takes_session(endpoint: Callable[..., Any]) -> bool:
    hints = typing.get_type_hints(endpoint, include_extras=True)
    return any(
        getattr(meta, "dependency", None) is get_session
        for hint in hints.values()
        for meta in getattr(hint, "__metadata__", ())
    )


SessionDep = Annotated[Session, Depends(get_session)]

MAX_INT = 2**31 - 1
"""The largest id, offset or count a parameter may take: the databases' ``integer``. Every
integer parameter is bounded, so that no number too large for the database reaches it."""

_bearer = HTTPBearer(auto_error=False, description="A token from `carbon token create`.")


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal behind the request's bearer token; 401 when missing or bad.

    A verified token is not looked up again; the tokens a worker trusts are re-checked
    together every ``token_cache_seconds`` (:class:`~api.auth.tokens.PrincipalCache`).
    """
    limiter = request.app.state.auth_limiter
    client = request.client.host if request.client else "unknown"
    if limiter.blocked(client):
        raise TooManyRequests("too many failed authentications; try again in a minute")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token")
    cache = request.app.state.principals
    if cache.due():
        await run_in_threadpool(cache.recheck, request.app.state.read_engine)
    principal = cache.get(credentials.credentials)
    if principal is not None:
        return principal
    engine = request.app.state.read_engine
    principal = await run_in_threadpool(_verify, engine, credentials.credentials)
    if principal is None:
        limiter.record(client)
        raise Unauthorized("invalid or revoked token")
    cache.put(credentials.credentials, principal)
    return principal


def _verify(engine: Engine, token: str) -> Principal | None:
    with ReadSession(engine) as session:
        return verify_token(session, token)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_admin(principal: CurrentPrincipal) -> Principal:
    if principal.role is not Role.ADMIN:
        raise Forbidden("this operation needs an admin token")
    return principal


AdminPrincipal = Annotated[Principal, Depends(get_admin)]
