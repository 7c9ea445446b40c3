"""Parks, enterprises and the API tokens that scope access to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime, created_at_column


class Park(SQLModel, table=True):
    """A park group (园区组团) or town cluster inside the district."""

    __tablename__ = "parks"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name: str = Field(max_length=100)
    counts_as_park: bool = Field(default=True)
    created_at: datetime = created_at_column()


class Enterprise(SQLModel, table=True):
    """An enterprise, keyed for the outside world by its USCC (GB 32100-2015)."""

    __tablename__ = "enterprises"

    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(sa_column=Column(String(18), unique=True, nullable=False))
    name: str = Field(max_length=200)
    park_code: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("parks.code", onupdate="CASCADE"), index=True),
    )
    industry_code: str = Field(max_length=4)
    above_designated_size: bool = Field(default=True)
    region: str = Field(default="CN-CQ", max_length=10)
    created_at: datetime = created_at_column()
    updated_at: datetime = created_at_column()


class ApiToken(SQLModel, table=True):
    """A bearer token. Only a SHA-256 hash of its secret part is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(
            "(role = 'admin' AND park_code IS NULL AND uscc IS NULL)"
            " OR (role = 'park_manager' AND park_code IS NOT NULL AND uscc IS NULL)"
            " OR (role = 'enterprise' AND uscc IS NOT NULL AND park_code IS NULL)",
            name="role_scope",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    key_id: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    secret_sha256: str = Field(max_length=64)
    role: str = Field(max_length=20)
    park_code: str | None = Field(
        default=None, sa_column=Column(String(32), ForeignKey("parks.code", onupdate="CASCADE"))
    )
    uscc: str | None = Field(
        default=None,
        sa_column=Column(String(18), ForeignKey("enterprises.uscc", onupdate="CASCADE")),
    )
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = created_at_column()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Certification(SQLModel, table=True):
    """A green-manufacturing certification (green factory, product or supply chain)."""

    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("enterprise_id", "kind", "level", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprises.id", index=True)
    kind: str = Field(max_length=32)
    level: str = Field(max_length=16)
    year: int
    certificate_no: str | None = Field(default=None, max_length=64)
    issued_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = created_at_column()


class IntensityLimit(SQLModel, table=True):
    """An energy-intensity limit set for one enterprise and year, as sent and normalised."""

    __tablename__ = "intensity_limits"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprises.id", index=True)
    year: int
    quantity: float
    unit: str = Field(max_length=32)
    tce_per_10k_cny: float
    set_by_token_id: int | None = Field(default=None, foreign_key="api_tokens.id")
    updated_at: datetime = created_at_column()
