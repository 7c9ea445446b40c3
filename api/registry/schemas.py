"""Request and response shapes of parks and enterprises."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""No control characters (NUL, line breaks ...): PostgreSQL text cannot hold NUL, and names
are shown back to people and written into exported spreadsheets."""


class ParkIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"code": "BEIDU", "name": "北渡组团", "counts_as_park": True}]
        },
    )

    code: str = Field(
        description="Upper-case code, e.g. BEIDU", min_length=2, max_length=32, pattern=PRINTABLE
    )
    name: str = Field(min_length=1, max_length=100, pattern=PRINTABLE)
    counts_as_park: bool = Field(
        default=True, description="False for a town cluster that does not count as a park"
    )


class ParkOut(BaseModel):
    code: str
    name: str
    counts_as_park: bool
    enterprise_count: int = 0
    created_at: datetime


class EnterpriseIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "uscc": "91500110MA5U5K7X4K",
                    "name": "重庆示范铝业有限公司",
                    "park_code": "BEIDU",
                    "industry_code": "3216",
                    "above_designated_size": True,
                }
            ]
        },
    )

    uscc: str = Field(description="18-character unified social credit code (GB 32100-2015)")
    name: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    park_code: str | None = Field(
        default=None,
        max_length=32,
        pattern=PRINTABLE,
        description="Park code, or null outside parks",
    )
    industry_code: str = Field(description="GB/T 4754-2017 class code, four digits")
    above_designated_size: bool = Field(default=True, description="规模以上工业企业")
    region: str = Field(
        default="CN-CQ",
        max_length=10,
        pattern=PRINTABLE,
        description="ISO 3166-2 province code for grid factors",
    )


class EnterprisePatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "重庆示范铝业股份有限公司", "above_designated_size": True}]
        },
    )

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=PRINTABLE)
    park_code: str | None = Field(default=None, max_length=32, pattern=PRINTABLE)
    industry_code: str | None = None
    above_designated_size: bool | None = None
    region: str | None = Field(default=None, max_length=10, pattern=PRINTABLE)


class EnterpriseOut(BaseModel):
    uscc: str
    name: str
    park_code: str | None
    industry_code: str
    above_designated_size: bool
    region: str
    created_at: datetime
    updated_at: datetime
