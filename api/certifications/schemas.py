"""Shapes of green certifications."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from api.registry.schemas import PRINTABLE


class CertificationKind(StrEnum):
    GREEN_FACTORY = "green_factory"
    GREEN_PRODUCT = "green_product"
    GREEN_SUPPLY_CHAIN = "green_supply_chain"


class CertificationLevel(StrEnum):
    NATIONAL = "national"
    MUNICIPAL = "municipal"


class CertificationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "green_factory",
                    "level": "national",
                    "year": 2023,
                    "certificate_no": "工信部节函〔2023〕xx号",
                    "issued_by": "工业和信息化部",
                }
            ]
        },
    )

    kind: CertificationKind
    level: CertificationLevel
    year: int = Field(ge=2000, le=2100, description="Year the certification was granted")
    certificate_no: str | None = Field(default=None, max_length=64, pattern=PRINTABLE)
    issued_by: str | None = Field(default=None, max_length=100, pattern=PRINTABLE)


class CertificationOut(BaseModel):
    id: int
    uscc: str
    enterprise_name: str
    park_code: str | None
    kind: CertificationKind
    level: CertificationLevel
    year: int
    certificate_no: str | None
    issued_by: str | None
    created_at: datetime
