"""Dependencies shared by every router: the database session and the calling principal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth.principal import Principal, Role
from api.auth.tokens import verify_token
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


class ReadSession(Session):
    """The session of a GET: each statement commits on its own, so nothing may be written."""

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        if self.new or self.dirty or self.deleted:
            raise RuntimeError("a GET request does not write; use a write method")
        super().flush(objects)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request.

    A GET reads on an autocommit connection (``app.state.read_engine``): there is no
    transaction to end, so the session is closed on the event loop without a round trip to
    the database or a hop to a worker thread. (PostgreSQL runs READ COMMITTED, where each
    statement of a transaction sees its own snapshot anyway.) Other methods write in one
    transaction, committed when the handler returns and rolled back if it raises, before the
    answer goes out; the commit or rollback runs in the thread pool. (The dependencies here
    are ``async`` so that a request does not hop to a worker thread for each of them.)
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
        await run_in_threadpool(_finish, session, False)
        raise
    await run_in_threadpool(_finish, session, True)


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
