"""Shapes of the plan targets."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class TargetStatus(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


class TrajectoryPoint(BaseModel):
    year: int
    value: float = Field(description="The straight path's value for the year [the row's unit]")


class MoverOut(BaseModel):
    uscc: str
    name: str | None = None
    park_code: str | None = None
    value: float = Field(description="What the row's top_movers_measure says [unit]")
    unit: str


class TargetOut(BaseModel):
    """One plan indicator for one year and scope."""

    id: str = Field(examples=["clean_energy_share"])
    name: str = Field(description="The plan's name of the indicator", examples=["清洁能源消费占比"])
    unit: str = Field(examples=["%"])
    baseline_year: int
    baseline: float | None = Field(description="None for a floor to hold (no path)")
    target: float | None = Field(
        description="None where the plan's target does not apply to the scope (a park's share)"
    )
    target_year: int
    value: float | None = Field(description="The year's value; None when it has no data")
    status: TargetStatus
    name_en: str
    year: int
    scope: str = Field(description='"district" or the park code')
    plan: str = Field(description="The plan period whose targets these are")
    kind: str = Field(description="floor, reduction or count")
    definition: str
    trajectory: list[TrajectoryPoint] = Field(
        description="The straight path from baseline to target, one point a year"
    )
    path_value: float | None = Field(description="The path's value for the year asked")
    gap: float | None = Field(description="What is still missing to reach the target [gap_unit]")
    gap_unit: str
    gap_definition: str
    top_movers: list[MoverOut]
    top_movers_measure: str
    top_movers_scope: str = Field(
        description='Whose enterprises top_movers may name: "district" or a park code'
    )
    projection: float | None = Field(
        description="Least-squares line through the yearly values since the baseline year, "
        "at the target year [unit]"
    )
    projection_year: int | None
    details: dict[str, float | None] = Field(description="Sums and intensities behind the value")
    data_through: str | None = Field(
        description="Last month (YYYY-MM) of the year with a report in the scope"
    )
    note: str
