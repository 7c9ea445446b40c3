"""Dependencies shared by every router: the database session and the calling principal."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth.principal import Principal, Role
from api.auth.tokens import verify_token
from api.db import ReadSession
from api.errors import Forbidden, TooManyRequests, Unauthorized
from api.settings import Settings


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


READ_METHODS = frozenset({"GET", "HEAD"})
"""Methods whose handlers only read: their session runs in autocommit (see :func:`get_session`)."""


_ENDED = "ended"
"""Key of ``Session.info`` set once :class:`OneHopRoute` has committed or rolled back."""


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request.

    A GET reads on an autocommit connection (``app.state.read_engine``): there is no
    transaction to end, so the session is closed on the event loop without a round trip to
    the database or a hop to a worker thread. (PostgreSQL runs READ COMMITTED, where each
    statement of a transaction sees its own snapshot anyway.) Other methods write in one
    transaction, committed when the handler returns and rolled back if it raises, before the
    answer goes out: by :class:`OneHopRoute` in the handler's own worker-thread call, or
    here in the thread pool. (The dependencies here are ``async`` so that a request does
    not hop to a worker thread for each of them.)
    """
    if request.method in READ_METHODS:
        read = ReadSession(request.app.state.read_engine, expire_on_commit=False)
        try:
            yield read
        finally:
            read.close()
        return
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        if session.info.get(_ENDED):
            session.close()
        else:
            await run_in_threadpool(_finish, session, False)
        raise
    if session.info.get(_ENDED):
        session.close()  # committed: no connection left, no I/O
    else:
        await run_in_threadpool(_finish, session, True)


def _run_and_end(handler: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    """Run ``handler``, then commit its write session (roll it back if it raised)."""
    session = next(
        (
            v
            for v in arguments.values()
            if isinstance(v, Session) and not isinstance(v, ReadSession)
        ),
        None,
    )
    if session is None:
        return handler(**arguments)
    try:
        result = handler(**arguments)
    except BaseException:
        session.rollback()
        session.info[_ENDED] = True
        raise
    session.commit()
    session.info[_ENDED] = True
    return result


#: The threads that run handlers (as many as anyio's default pool). Handing work to a plain
#: executor costs less than anyio's ``to_thread`` (no capacity limiter, no task machinery):
#: 6-8 % of the server CPU of a light GET, measured on a live server.
_HANDLERS = ThreadPoolExecutor(max_workers=40, thread_name_prefix="handler")


def _in_one_hop(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    async def run(**arguments: Any) -> Any:
        # In a copy of the request's context, as run_in_threadpool would.
        call = functools.partial(contextvars.copy_context().run, _run_and_end, handler, arguments)
        return await asyncio.get_running_loop().run_in_executor(_HANDLERS, call)

    return run


class OneHopRoute(APIRoute):
    """A route whose plain (``def``) handler costs one thread-pool hop instead of three.

    FastAPI runs such a handler in the thread pool, validates its answer in the thread pool
    again, and the session dependency commits in a third hop. This route wraps the handler
    in a coroutine that makes one hop: the handler, then the commit (or rollback) of the
    session it was given. The answer is then validated on the event loop, like a
    coroutine's. Handlers must not leave ORM attributes to be loaded after they return.
    Use it with ``APIRouter(route_class=OneHopRoute)``.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not (
            inspect.iscoroutinefunction(endpoint)
            or inspect.isgeneratorfunction(endpoint)
            or inspect.isasyncgenfunction(endpoint)
        ):
            endpoint = _in_one_hop(endpoint)
        super().__init__(path, endpoint, **kwargs)


# scope="function": the session ends before the answer is sent (a dependency with ``yield``
# would otherwise end after it, and a client could read before the commit).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

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
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal behind the request's bearer token; 401 when missing or bad.

    A token verified in the last ``token_cache_seconds`` is not looked up again.
    """
    limiter = request.app.state.auth_limiter
    client = request.client.host if request.client else "unknown"
    if limiter.blocked(client):
        raise TooManyRequests("too many failed authentications; try again in a minute")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token")
    cache = request.app.state.principals
    principal = cache.get(credentials.credentials)
    if principal is not None:
        return principal
    principal = await run_in_threadpool(verify_token, session, credentials.credentials)
    if principal is None:
        limiter.record(client)
        raise Unauthorized("invalid or revoked token")
    cache.put(credentials.credentials, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_admin(principal: CurrentPrincipal) -> Principal:
    if principal.role is not Role.ADMIN:
        raise Forbidden("this operation needs an admin token")
    return principal


AdminPrincipal = Annotated[Principal, Depends(get_admin)]
