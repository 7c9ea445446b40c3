"""Shapes of carbon inventories: the query and the JSON answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Level(StrEnum):
    ENTERPRISE = "enterprise"
    PARK = "park"
    DISTRICT = "district"


class Scope2Method(StrEnum):
    LOCATION = "location"
    MARKET = "market"


class GridFactor(StrEnum):
    PROVINCIAL = "provincial"
    NATIONAL = "national"
    MEE_REPORTING = "mee_reporting"


class GwpName(StrEnum):
    SAR = "SAR"
    AR4 = "AR4"
    AR5 = "AR5"
    AR6 = "AR6"


class FuelSource(StrEnum):
    MEE_GUIDELINE = "mee_guideline"
    IPCC2006 = "ipcc2006"


class ProcessSource(StrEnum):
    GUIDELINE_2013 = "guideline_2013"
    GUIDELINE_2024 = "guideline_2024"


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class SourceRow(BaseModel):
    """Emissions of one source: a carrier burnt or bought, or a process, and one gas."""

    scope: int = Field(description="1 (direct) or 2 (purchased electricity and heat)")
    scope2_method: Scope2Method | None = Field(
        default=None, description="For scope 2 rows: the method they were computed by"
    )
    category: str = Field(description="combustion, process, electricity or heat")
    carrier_or_process: str = Field(description="Catalogue name of the carrier or product")
    gas: str = Field(description="CO2, CF4, C2F6 …")
    activity: float = Field(description="Activity summed over the inventory [activity_unit]")
    activity_unit: str
    gas_t: float = Field(description="Mass of the gas emitted [t]")
    tco2e: float = Field(description="Emissions [t CO2e] under the inventory's GWP set")
    factor_ids: list[str] = Field(description="Ids of the factors behind the row")


class EnterpriseRow(BaseModel):
    """One enterprise's share of a park or district inventory."""

    uscc: str
    name: str
    park_code: str | None
    above_designated_size: bool
    months_reported: int
    scope1_tco2e: float
    scope2_tco2e: float = Field(description="Scope 2 by the method asked [t CO2e]")
    scope2_location_tco2e: float
    scope2_market_tco2e: float
    total_tco2e: float = Field(description="Scope 1 + scope 2 by the method asked [t CO2e]")
    energy_tce: float = Field(description="Energy, equivalent-value method (当量值) [tce]")


class MonthRow(BaseModel):
    """One month of the inventory."""

    period: str = Field(description="YYYY-MM")
    enterprises_reported: int
    scope1_tco2e: float
    scope2_tco2e: float
    scope2_location_tco2e: float
    scope2_market_tco2e: float
    total_tco2e: float
    energy_tce: float


class FactorUsed(BaseModel):
    """A published factor the inventory applied, with its provenance."""

    id: str
    kind: str
    activity: str
    region: str
    gas: str
    edition: str
    source: str = Field(description="Publisher, title (edition)")
    url: str
    value: float = Field(description="As published, in `unit`")
    unit: str
    reference: str = Field(description="Table and page in the source")
    provisional: bool = Field(
        description="Chosen as a fallback: no edition covers the inventory year"
    )


class GridFactorYear(BaseModel):
    """The grid factor a year of location-based scope 2 used."""

    year: int
    region: str
    factor_id: str
    value: float
    unit: str
    provisional: bool


class GridFactorSeries(BaseModel):
    name: GridFactor
    description: str
    factors: list[GridFactorYear]


class GwpInfo(BaseModel):
    name: GwpName
    source: str
    reference: str
    values: dict[str, float] = Field(description="GWP-100 of each non-CO2 gas the inventory has")


class MissingMonths(BaseModel):
    uscc: str
    name: str
    park_code: str | None
    missing: list[str] = Field(description="Months (YYYY-MM) with no report")


class NotCovered(BaseModel):
    """Activity the inventory counts in energy but cannot turn into emissions."""

    item: str
    quantity: float
    unit: str
    energy_tce: float
    reason: str


class Coverage(BaseModel):
    """What the inventory does not cover, so that nobody reads it as complete when it is not."""

    complete: bool = Field(
        description="Every expected month reported, no provisional factor, nothing uncovered"
    )
    enterprises_expected: int = Field(description="Every enterprise registered at the level")
    enterprises_reported: int = Field(description="Enterprises with at least one month reported")
    months_expected: list[str] = Field(
        description="Months of the inventory that have ended (the current month is not due)"
    )
    enterprises_missing_months: list[MissingMonths]
    provisional_factors: list[str]
    not_covered: list[NotCovered]


class Inventory(BaseModel):
    """A carbon inventory of an enterprise, a park or the district for a year or a month."""

    level: Level
    id: str | None = Field(description="USCC or park code; null for the district")
    name: str = Field(description="Enterprise, park or district name")
    year: int
    month: int | None
    as_of: datetime | None = Field(
        description="Audit view: only revisions submitted at or before this instant"
    )
    generated_at: datetime
    scope2_method: Scope2Method
    grid_factor: GridFactor
    fuel_source: FuelSource
    process_source: ProcessSource
    gwp: GwpInfo
    total_tco2e: float = Field(description="Scope 1 + scope 2 by the method asked [t CO2e]")
    scope1_tco2e: float
    scope2_tco2e: float = Field(description="Scope 2 by the method asked [t CO2e]")
    scope2_location_tco2e: float
    scope2_market_tco2e: float
    total_location_tco2e: float
    total_market_tco2e: float
    energy_tce: float = Field(description="Energy, equivalent-value method (当量值) [tce]")
    energy_tce_equal_value: float = Field(
        description="Energy, equal-value method (等价值): electricity at that year's coal per "
        "kWh supplied [tce]"
    )
    by_source: list[SourceRow] = Field(
        description="Scope 1 rows and the scope 2 rows of the method asked; they add up to "
        "total_tco2e"
    )
    scope2_other_method: list[SourceRow] = Field(
        description="Scope 2 rows of the other method, for comparison"
    )
    by_enterprise: list[EnterpriseRow]
    by_month: list[MonthRow]
    grid_factor_series: GridFactorSeries
    factors_used: list[FactorUsed]
    coverage: Coverage
    method_notes: list[str]
