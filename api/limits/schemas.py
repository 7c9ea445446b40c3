"""Shapes of energy-intensity limits."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class QuantityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: float = Field(description="The limit, in `unit`; positive and finite")
    unit: str = Field(
        min_length=1, max_length=32, description="Energy per money, e.g. `tce/万元` or `kgce/元`"
    )


class LimitIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"energy_intensity": {"quantity": 0.5, "unit": "tce/万元"}}]
        },
    )

    energy_intensity: QuantityIn


class QuantityOut(BaseModel):
    quantity: float
    unit: str


class LimitOut(BaseModel):
    """The energy-intensity limit that applies to an enterprise in a year.

    ``source`` is ``explicit`` for a limit set through ``PUT``; ``own_path`` for the enterprise's
    base-year intensity lowered along the district path (read-only, derived from its reports).
    """

    uscc: str
    year: int
    source: Literal["explicit", "own_path"]
    energy_intensity: QuantityOut = Field(description="As sent (explicit) or as derived")
    tce_per_10k_cny: float = Field(description="The limit normalised [tce/万元]")
    base_year: int | None = Field(default=None, description="own_path: the base year used")
    base_intensity: float | None = Field(
        default=None, description="own_path: the base year's intensity [tce/万元]"
    )
    set_by_role: str | None = Field(default=None, description="explicit: role of the setter")
    updated_at: datetime | None = None
