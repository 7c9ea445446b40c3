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


class PrincipalCache:
    """Principals of recently verified tokens, for ``ttl`` seconds, so that a client's burst of
    requests costs one token lookup instead of one each.

    Keys are SHA-256 digests of the tokens, never the tokens. Only successful verifications
    are kept: a bad token is looked up (and counted by the failure limiter) every time. A
    revoked token stays usable for at most ``ttl`` seconds in a worker that had just seen it;
    ``ttl = 0`` turns the cache off.
    """

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[bytes, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> Principal | None:
        if self.ttl <= 0:
            return None
        key = self._key(token)
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= time.monotonic():
                del self._items[key]
                return None
            return item[1]

    def put(self, token: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[self._key(token)] = (time.monotonic() + self.ttl, principal)
            self._items.move_to_end(self._key(token))
            while len(self._items) > self.size:
                self._items.popitem(last=False)
