"""Setting and reading energy-intensity limits.

A limit set here for (enterprise, year) overrides the enterprise's own path in the scheduled
intensity check (shared/DOMAIN.md, "Energy-intensity overrun").
"""

from __future__ import annotations

from sqlmodel import Session

from api.auth.principal import Principal
from api.errors import Forbidden
from api.limits import repository
from api.limits.schemas import LimitIn, LimitOut, QuantityOut
from api.models import Enterprise, IntensityLimit
from api.models.base import utcnow
from api.registry.service import read_enterprise
from carbon.errors import InvalidInput, InvalidQuantityError, NotFound
from carbon.intensity import INTENSITY_UNIT
from carbon.units import to_unit

#: The unit limits are stored and compared in: tonnes of standard coal per 10⁴ yuan.
CANONICAL = "tce/CNY_10k"


def normalise(data: LimitIn) -> float:
    """The limit in tce/万元; 422 naming ``body.energy_intensity.quantity`` or ``.unit``.

    Raises
    ------
    InvalidInput
        Negative, zero, NaN or infinite quantity; unknown unit; a unit that is not energy per
        money (``kWh/t``).
    """
    q = data.energy_intensity
    try:
        value = to_unit(q.quantity, q.unit, CANONICAL)
    except InvalidInput as err:
        raise err.at("body", "energy_intensity") from None
    if not value > 0:
        raise InvalidQuantityError(
            "a limit must be positive", ("body", "energy_intensity", "quantity")
        )
    return value


def _explicit_out(session: Session, ent: Enterprise, row: IntensityLimit) -> LimitOut:
    return LimitOut(
        uscc=ent.uscc,
        year=row.year,
        source="explicit",
        energy_intensity=QuantityOut(quantity=row.quantity, unit=row.unit),
        tce_per_10k_cny=row.tce_per_10k_cny,
        set_by_role=repository.setter_role(session, row.set_by_token_id),
        updated_at=row.updated_at,
    )


def _managed(session: Session, principal: Principal, uscc: str) -> Enterprise:
    ent = read_enterprise(session, principal, uscc)
    if not principal.manages_enterprise(ent.park_code):
        raise Forbidden("limits are set by the enterprise's park manager or an admin")
    return ent


def put_limit(
    session: Session, principal: Principal, uscc: str, year: int, data: LimitIn
) -> tuple[LimitOut, bool]:
    """Set the limit of ``uscc`` for ``year``; returns it and whether it was new."""
    ent = _managed(session, principal, uscc)
    value = normalise(data)
    assert ent.id is not None
    row = repository.get(session, ent.id, year)
    created = row is None
    if row is None:
        row = IntensityLimit(
            enterprise_id=ent.id, year=year, quantity=0.0, unit="", tce_per_10k_cny=0
        )
    row.quantity = float(data.energy_intensity.quantity)
    row.unit = data.energy_intensity.unit.strip()
    row.tce_per_10k_cny = value
    row.set_by_token_id = principal.token_id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _explicit_out(session, ent, row), created


def delete_limit(session: Session, principal: Principal, uscc: str, year: int) -> None:
    """Remove the explicit limit: the check falls back to the enterprise's own path."""
    ent = _managed(session, principal, uscc)
    assert ent.id is not None
    row = repository.get(session, ent.id, year)
    if row is None:
        raise NotFound(f"no limit set for {ent.uscc} in {year}")
    session.delete(row)
    session.flush()


def read_limit(session: Session, principal: Principal, uscc: str, year: int) -> LimitOut:
    """The limit that applies: the explicit one, else the own-path one; 404 if neither."""
    ent = read_enterprise(session, principal, uscc)
    assert ent.id is not None
    row = repository.get(session, ent.id, year)
    if row is not None:
        return _explicit_out(session, ent, row)
    from api.jobs.data import own_path_limit

    derived = own_path_limit(session, ent, year)
    if derived is None:
        raise NotFound(
            f"{ent.uscc} has no limit for {year}: none was set and it has no full base year"
            " (2020 or later) at or before it"
        )
    limit, base_year, base_intensity = derived
    return LimitOut(
        uscc=ent.uscc,
        year=year,
        source="own_path",
        energy_intensity=QuantityOut(quantity=limit, unit=INTENSITY_UNIT),
        tce_per_10k_cny=limit,
        base_year=base_year,
        base_intensity=base_intensity,
    )


def list_limits(session: Session, principal: Principal, uscc: str) -> list[LimitOut]:
    """Every explicit limit of ``uscc``, by year."""
    ent = read_enterprise(session, principal, uscc)
    assert ent.id is not None
    return [_explicit_out(session, ent, r) for r in repository.list_for(session, ent.id)]
