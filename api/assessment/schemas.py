"""Shapes of the green-factory self-assessment."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ComparisonOut(BaseModel):
    """The enterprise's figure against one level of a sector benchmark."""

    source: str = Field(examples=["GB 21346-2022 电解铝和氧化铝单位产品能源消耗限额, 表1"])
    benchmark_id: str
    indicator: str
    level: int
    limit: float = Field(description="The level's ceiling [unit]")
    value: float = Field(description="The enterprise's figure on the benchmark's basis [unit]")
    unit: str
    meets: bool = Field(description="value ≤ limit")
    basis: str


class IndicatorOut(BaseModel):
    """One quantitative indicator, its definition and where it comes from."""

    id: str = Field(examples=["energy_per_unit_product"])
    name: str = Field(examples=["单位产品综合能耗"])
    name_en: str
    product: str | None = Field(description="For per-product indicators, the product")
    value: float | None = Field(description="None when its denominator is zero or absent")
    unit: str
    formula: str
    definition: str
    reference: str = Field(description="The standard or indicator system it comes from")
    reference_confirmed: bool = Field(
        description="Whether the reference was confirmed in a source read (see reference_note)"
    )
    reference_note: str
    inputs: dict[str, float | None] = Field(description="The sums it is formed from")
    comparisons: list[ComparisonOut]
    note: str


class CertificationHeld(BaseModel):
    kind: str
    level: str
    year: int


class AssessmentOut(BaseModel):
    """The quantitative indicators of an enterprise's year, before it applies."""

    uscc: str
    name: str
    park_code: str | None
    year: int
    months_reported: int
    standard: str = Field(description="The evaluation standard the indicators follow")
    indicators: list[IndicatorOut]
    emissions: dict[str, float] = Field(
        description="Scope 1, Scope 2 (location and market) and totals [tCO2e]; energy [tce]"
    )
    factors_used: list[dict[str, Any]]
    certifications: list[CertificationHeld] = Field(
        description="Green certifications the enterprise already holds"
    )
    notes: list[str]
