"""Use cases of the registry: creating, reading and changing parks and enterprises."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

from api.auth.principal import Principal, Role
from api.db import reading
from api.errors import Forbidden
from api.models import Enterprise, Park
from api.models.base import utcnow
from api.registry import repository
from api.registry.schemas import EnterpriseIn, EnterprisePatch, ParkIn
from carbon.errors import Conflict, InvalidInput, NotFound
from carbon.registry import validate_industry_code, validate_park_code, validate_uscc


def _body(err: InvalidInput) -> InvalidInput:
    return err.at("body")


def create_park(session: Session, principal: Principal, data: ParkIn) -> Park:
    if not principal.is_admin:
        raise Forbidden("only an admin creates parks")
    try:
        code = validate_park_code(data.code)
    except InvalidInput as err:
        raise _body(err) from None
    if repository.get_park(session, code) is not None:
        raise Conflict(f"park {code} already exists")
    park = Park(code=code, name=data.name, counts_as_park=data.counts_as_park)
    session.add(park)
    session.flush()
    return park


def read_park(session: Session, principal: Principal, code: str) -> Park:
    """The park ``code`` if the caller sees it; 404 otherwise, so nothing leaks."""
    park = repository.get_park(session, code)
    if park is not None:
        with reading(session) as conn:
            if _sees_park(conn, principal, park.code):
                return park
    raise NotFound(f"no park {code} in your scope")


def _sees_park(conn: Connection, principal: Principal, code: str) -> bool:
    """Whether the caller sees park ``code``: an enterprise its own park, a park manager
    its park, the admin every park."""
    if principal.role is Role.ENTERPRISE and principal.uscc is not None:
        own = repository.enterprise_scope(conn, principal.uscc)
        return own is not None and own[2] == code
    return principal.sees_park(code)


def read_enterprise(session: Session, principal: Principal, uscc: str) -> Enterprise:
    """The enterprise ``uscc`` if the caller sees it; 404 otherwise, so nothing leaks."""
    ent = repository.get_enterprise(session, uscc.strip().upper())
    if ent is None or not principal.sees_enterprise(ent.uscc, ent.park_code):
        raise NotFound(f"no enterprise {uscc} in your scope")
    return ent


def scoped_enterprise(conn: Connection, principal: Principal, uscc: str) -> tuple[int, str]:
    """The id and USCC of enterprise ``uscc`` if the caller sees it; 404 otherwise, as
    :func:`read_enterprise` (one Core statement on ``conn``, no ORM object)."""
    found = repository.enterprise_scope(conn, uscc.strip().upper())
    if found is None or not principal.sees_enterprise(found[1], found[2]):
        raise NotFound(f"no enterprise {uscc} in your scope")
    return found[0], found[1]


def scoped_park(conn: Connection, principal: Principal, code: str) -> tuple[str, str]:
    """The code and name of park ``code`` if the caller sees it; 404 otherwise, as
    :func:`read_park` (Core statements on ``conn``, no ORM object)."""
    found = repository.park_scope(conn, code)
    if found is None or not _sees_park(conn, principal, found[0]):
        raise NotFound(f"no park {code} in your scope")
    return found


def enterprise_answer(session: Session, principal: Principal, uscc: str) -> dict[str, Any]:
    """:func:`read_enterprise` as the fields of ``EnterpriseOut``, read without the ORM."""
    row = repository.enterprise_answer(session, uscc.strip().upper())
    if row is None or not principal.sees_enterprise(row["uscc"], row["park_code"]):
        raise NotFound(f"no enterprise {uscc} in your scope")
    return row


def _check_park(session: Session, principal: Principal, park_code: str | None) -> None:
    if park_code is not None and repository.get_park(session, park_code) is None:
        raise InvalidInput(f"no park with code {park_code!r}", ("body", "park_code"))
    if principal.role is Role.PARK_MANAGER and park_code != principal.park_code:
        raise Forbidden(f"a park manager works in its own park only ({principal.park_code})")


def create_enterprise(session: Session, principal: Principal, data: EnterpriseIn) -> Enterprise:
    if principal.role is Role.ENTERPRISE:
        raise Forbidden("enterprises cannot register enterprises")
    try:
        uscc = validate_uscc(data.uscc)
        industry = validate_industry_code(data.industry_code)
    except InvalidInput as err:
        raise _body(err) from None
    _check_park(session, principal, data.park_code)
    if repository.get_enterprise(session, uscc) is not None:
        raise Conflict(f"enterprise {uscc} already exists")
    ent = Enterprise(
        uscc=uscc,
        name=data.name,
        park_code=data.park_code,
        industry_code=industry,
        above_designated_size=data.above_designated_size,
        region=data.region,
    )
    session.add(ent)
    session.flush()
    return ent


def update_enterprise(
    session: Session, principal: Principal, uscc: str, data: EnterprisePatch
) -> Enterprise:
    ent = read_enterprise(session, principal, uscc)
    if not principal.manages_enterprise(ent.park_code):
        raise Forbidden("only the enterprise's park manager or an admin changes its registry entry")
    changes = data.model_dump(exclude_unset=True)
    if "industry_code" in changes:
        try:
            changes["industry_code"] = validate_industry_code(changes["industry_code"])
        except InvalidInput as err:
            raise _body(err) from None
    if "park_code" in changes:
        _check_park(session, principal, changes["park_code"])
    for field in ("name", "industry_code", "above_designated_size", "region"):
        if field in changes and changes[field] is None:
            raise InvalidInput(f"{field} cannot be null", ("body", field))
    for field, value in changes.items():
        setattr(ent, field, value)
    ent.updated_at = utcnow()
    session.add(ent)
    session.flush()
    return ent
