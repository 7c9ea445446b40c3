"""Creating and verifying bearer tokens.

A token reads ``ck_<key id>_<secret>``. The key id is stored in clear to find the row; only
the SHA-256 of the secret is stored, and it is compared in constant time. A token is shown once,
when it is created, and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict

from sqlalchemy import Engine, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from api.auth.principal import Principal, Role
from api.models import ApiToken, Enterprise, Park
from api.models.base import utcnow
from carbon.errors import InvalidInput, NotFound

PREFIX = "ck"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session,
    role: Role,
    *,
    park_code: str | None = None,
    uscc: str | None = None,
    label: str | None = None,
) -> str:
    """Store a new token for ``role`` and return it in clear (the only time it is seen).

    Raises
    ------
    InvalidInput
        If the scope does not fit the role (a park for a park manager, an enterprise for an
        enterprise, nothing for an admin).
    NotFound
        If the park or enterprise does not exist.
    """
    if role is Role.ADMIN and (park_code or uscc):
        raise InvalidInput("an admin token takes neither a park nor an enterprise", ("scope",))
    if role is Role.PARK_MANAGER:
        if not park_code or uscc:
            raise InvalidInput("a park_manager token needs --park and no --enterprise", ("park",))
        if session.exec(select(Park.id).where(Park.code == park_code)).first() is None:
            raise NotFound(f"no park with code {park_code!r}")
    if role is Role.ENTERPRISE:
        if not uscc or park_code:
            raise InvalidInput(
                "an enterprise token needs --enterprise and no --park", ("enterprise",)
            )
        if session.exec(select(Enterprise.id).where(Enterprise.uscc == uscc)).first() is None:
            raise NotFound(f"no enterprise with USCC {uscc!r}")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            key_id=key_id,
            secret_sha256=_digest(secret),
            role=role.value,
            park_code=park_code,
            uscc=uscc,
            label=label,
        )
    )
    session.flush()
    return f"{PREFIX}_{key_id}_{secret}"


def verify_token(session: Session, token: str) -> Principal | None:
    """The principal behind ``token``, or ``None`` if it is malformed, unknown or revoked."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != 12:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.key_id == parts[1])).first()
    if row is None or row.id is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_sha256, _digest(parts[2])):
        return None
    return Principal(token_id=row.id, role=Role(row.role), park_code=row.park_code, uscc=row.uscc)


def revoke_token(session: Session, key_id: str) -> None:
    """Revoke the token whose key id is ``key_id``."""
    row = session.exec(select(ApiToken).where(ApiToken.key_id == key_id)).first()
    if row is None:
        raise NotFound(f"no token with key id {key_id!r}")
    row.revoked_at = utcnow()
    session.add(row)


_TOKEN = ApiToken.__table__.c  # type: ignore[attr-defined]
_STILL_VALID = (
    core_select(_TOKEN.id, _TOKEN.role, _TOKEN.park_code, _TOKEN.uscc)
    .where(_TOKEN.id.in_(bindparam("ids", expanding=True)))
    .where(_TOKEN.revoked_at.is_(None))
)


class PrincipalCache:
    """Principals of verified tokens, re-checked all together every ``ttl`` seconds.

    A client's requests cost no token lookup. Every ``ttl`` seconds, the next request first
    re-reads the cached tokens in one statement (:meth:`recheck`) and drops those revoked,
    gone, or whose scope changed (renaming a park or an enterprise's USCC cascades to its
    tokens). So a revocation takes effect within ``ttl`` seconds, whatever the number of
    tokens, for one statement per ``ttl`` per worker. (Expiring each entry ``ttl`` seconds
    after its lookup gave the same guarantee for a lookup per token and ``ttl``: with 74
    tokens in use, a tenth of the load's CPU.)

    Keys are SHA-256 digests of the tokens, never the tokens. Only successful verifications
    are kept: a bad token is looked up (and counted by the failure limiter) every time.
    ``ttl = 0`` turns the cache off.
    """

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[bytes, Principal] = OrderedDict()
        self._lock = threading.Lock()
        self._recheck_lock = threading.Lock()
        self._checked = time.monotonic()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def due(self) -> bool:
        """Whether :meth:`recheck` must run before the cache is trusted again."""
        return self.ttl > 0 and time.monotonic() - self._checked >= self.ttl

    def recheck(self, engine: Engine) -> None:
        """Drop every cached principal whose token is no longer as it was cached."""
        with self._recheck_lock:
            if not self.due():  # another request's recheck has just run
                return
            started = time.monotonic()
            with self._lock:
                cached = list(self._items.items())
            if cached:
                ids = sorted({p.token_id for _, p in cached})
                with engine.connect() as conn:
                    rows = conn.execute(_STILL_VALID, {"ids": ids}).all()
                now = {r[0]: Principal(r[0], Role(r[1]), r[2], r[3]) for r in rows}
                with self._lock:
                    for key, principal in cached:
                        if now.get(principal.token_id) != principal:
                            self._items.pop(key, None)
            self._checked = started

    def get(self, token: str) -> Principal | None:
        if self.ttl <= 0:
            return None
        key = self._key(token)
        with self._lock:
            principal = self._items.get(key)
            if principal is not None:
                self._items.move_to_end(key)  # least recently used first out
            return principal

    def put(self, token: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        key = self._key(token)
        with self._lock:
            self._items[key] = principal
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
