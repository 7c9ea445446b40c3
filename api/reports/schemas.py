"""Request and response shapes of monthly reports, batches and data quality."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict

Number = Annotated[
    float,
    Field(
        strict=True,
        allow_inf_nan=False,
        description="A finite, non-negative number (JSON number, not a string)",
        examples=[125.6],
    ),
]
Text = Annotated[str, Field(strict=True, min_length=1, max_length=100)]
UnitText = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=32,
        description="Unit as the meter or ledger states it, e.g. 万千瓦时, kWh, 吨, m3, 万元",
    ),
]

EXAMPLE_BODY: dict[str, Any] = {
    "energy": [
        {"carrier": "electricity_grid", "quantity": 125.6, "unit": "万千瓦时"},
        {"carrier": "natural_gas", "quantity": 3.2, "unit": "万立方米"},
        {"carrier": "diesel", "quantity": 1800, "unit": "kg"},
    ],
    "water": [
        {"kind": "fresh_withdrawal", "quantity": 1200, "unit": "m3"},
        {"kind": "reused", "quantity": 5000, "unit": "t"},
    ],
    "solid_waste": [
        {
            "category": "fly_ash",
            "unit": "t",
            "generated": 120,
            "from_storage": 0,
            "utilised": 100,
            "disposed": 20,
            "stored": 0,
        }
    ],
    "production": [{"product": "primary_aluminium", "quantity": 2500, "unit": "t"}],
    "economics": {
        "gross_output_value": {"quantity": 15000, "unit": "万元"},
        "value_added": {"quantity": 3000, "unit": "万元"},
    },
}


# The documents coming in are TypedDicts, not models: pydantic validates a 100,000-line batch
# into plain dicts about three times faster than into model instances, and the same types
# serve the PUT body (FastAPI) and the batch (a TypeAdapter), so both are checked alike.

_FORBID = ConfigDict(extra="forbid")


@with_config(_FORBID)
class EnergyLine(TypedDict):
    carrier: Annotated[Text, Field(description="Energy carrier, e.g. electricity_grid")]
    quantity: Number
    unit: UnitText


@with_config(_FORBID)
class WaterLine(TypedDict):
    kind: Annotated[Text, Field(description="fresh_withdrawal, reused or discharged")]
    quantity: Number
    unit: UnitText


@with_config(_FORBID)
class WasteLine(TypedDict):
    """A solid-waste balance: ``utilised + disposed + stored <= generated + from_storage``.

    Figures left out count 0, except ``generated``.
    """

    category: Annotated[Text, Field(description="Solid-waste category, e.g. fly_ash")]
    unit: UnitText
    generated: Number
    from_storage: NotRequired[Number]
    utilised: NotRequired[Number]
    disposed: NotRequired[Number]
    stored: NotRequired[Number]


@with_config(_FORBID)
class ProductionLine(TypedDict):
    product: Annotated[
        Text, Field(description="primary_aluminium, cement_clinker, or any product name")
    ]
    quantity: Number
    unit: UnitText


@with_config(_FORBID)
class Amount(TypedDict):
    quantity: Number
    unit: Annotated[UnitText, Field(description="元, 万元 or 亿元")]


@with_config(_FORBID)
class Economics(TypedDict):
    gross_output_value: NotRequired[
        Annotated[Amount | None, Field(description="工业总产值, at current prices")]
    ]
    value_added: NotRequired[
        Annotated[Amount | None, Field(description="工业增加值, at comparable 2020 prices")]
    ]


@with_config(ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_BODY]}))
class ReportIn(TypedDict):
    """A whole month. Every section is optional, but the report must hold at least one line."""

    energy: NotRequired[list[EnergyLine]]
    water: NotRequired[list[WaterLine]]
    solid_waste: NotRequired[list[WasteLine]]
    production: NotRequired[list[ProductionLine]]
    economics: NotRequired[Economics | None]


_BATCH_EXAMPLE = {"uscc": "91500110MA5U5K7X4K", "period": "2024-05", **EXAMPLE_BODY}


@with_config(ConfigDict(extra="forbid", json_schema_extra={"examples": [_BATCH_EXAMPLE]}))
class BatchReportIn(ReportIn):
    """One report of a batch: a report body with its enterprise and month."""

    uscc: Annotated[str, Field(strict=True, description="The enterprise's USCC")]
    period: Annotated[str, Field(strict=True, description="YYYY-MM")]


@with_config(
    ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reports": [_BATCH_EXAMPLE]}]})
)
class BatchIn(TypedDict):
    reports: list[BatchReportIn]


BATCH_ADAPTER: TypeAdapter[BatchIn] = TypeAdapter(BatchIn)


# --- answers ----------------------------------------------------------------------------------


_CANONICAL_QUANTITY = "The quantity in the canonical unit"


class EnergyLineOut(BaseModel):
    carrier: str
    quantity: float
    unit: str
    canonical_quantity: float = Field(description=_CANONICAL_QUANTITY)
    canonical_unit: str = Field(examples=["kWh"])


class WaterLineOut(BaseModel):
    kind: str
    quantity: float
    unit: str
    canonical_quantity: float = Field(description=_CANONICAL_QUANTITY)
    canonical_unit: str = Field(examples=["m3"])


class WasteCanonical(BaseModel):
    """The five balance figures in the canonical unit (t)."""

    generated: float
    from_storage: float
    utilised: float
    disposed: float
    stored: float


class WasteLineOut(BaseModel):
    """A waste line as sent; ``canonical_quantity`` is ``generated`` in t."""

    category: str
    unit: str
    generated: float
    from_storage: float
    utilised: float
    disposed: float
    stored: float
    canonical_quantity: float = Field(description="generated, in the canonical unit")
    canonical_unit: str = Field(examples=["t"])
    canonical: WasteCanonical


class ProductionLineOut(BaseModel):
    product: str
    quantity: float
    unit: str
    canonical_quantity: float = Field(description=_CANONICAL_QUANTITY)
    canonical_unit: str = Field(examples=["t"], description="t, m3, kWh or piece, by dimension")


class AmountOut(BaseModel):
    quantity: float
    unit: str
    canonical_quantity: float = Field(description=_CANONICAL_QUANTITY)
    canonical_unit: str = Field(examples=["CNY_10k"])


class EconomicsOut(BaseModel):
    gross_output_value: AmountOut | None = None
    value_added: AmountOut | None = None


class ReportOut(BaseModel):
    """One revision of a month, every line as sent with its normalised value."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "uscc": "91500110MA5U5K7X4K",
                    "period": "2024-05",
                    "revision": 2,
                    "submitted_at": "2024-06-08T02:15:00Z",
                    "channel": "api",
                    "energy": [
                        {
                            "carrier": "electricity_grid",
                            "quantity": 125.6,
                            "unit": "万千瓦时",
                            "canonical_quantity": 1256000.0,
                            "canonical_unit": "kWh",
                        }
                    ],
                    "water": [],
                    "solid_waste": [],
                    "production": [],
                    "economics": {
                        "gross_output_value": None,
                        "value_added": {
                            "quantity": 3000,
                            "unit": "万元",
                            "canonical_quantity": 3000.0,
                            "canonical_unit": "CNY_10k",
                        },
                    },
                }
            ]
        }
    )

    uscc: str
    period: str
    revision: int = Field(description="1 for the month's first submission, then 2, 3 ...")
    submitted_at: datetime
    channel: Literal["api", "batch"] = Field(description="Submitted by a PUT or in a batch")
    batch_id: str | None = Field(default=None, description="The batch it came in, if any")
    energy: list[EnergyLineOut]
    water: list[WaterLineOut]
    solid_waste: list[WasteLineOut]
    production: list[ProductionLineOut]
    economics: EconomicsOut


class BatchOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reports": 12,
                    "lines": 131,
                    "batch_id": "5f0c8e1a9b2d4c6e8f0a1b2c3d4e5f60",
                    "submitted_at": "2024-06-08T02:15:00Z",
                }
            ]
        }
    )

    reports: int = Field(description="Reports stored, each as a new revision")
    lines: int = Field(description="Lines stored")
    batch_id: str = Field(description="Identifies the revisions this batch created")
    submitted_at: datetime


# --- data quality ------------------------------------------------------------------------------


class Anomaly(BaseModel):
    period: str
    section: str = Field(description="energy or water")
    item: str = Field(description="The carrier or water kind")
    value: float = Field(description="The month's total, in the canonical unit")
    unit: str
    median: float = Field(description="The enterprise's median month of the year, same unit")
    ratio: float = Field(description="value ÷ median")
    direction: Literal["high", "low"]


class DataQualityOut(BaseModel):
    """What is missing or doubtful in one enterprise's year."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "uscc": "91500110MA5U5K7X4K",
                    "name": "重庆示范铝业有限公司",
                    "park_code": "BEIDU",
                    "above_designated_size": True,
                    "year": 2024,
                    "months_due": 12,
                    "months_reported": 11,
                    "missing": ["2024-03"],
                    "anomalies": [
                        {
                            "period": "2024-07",
                            "section": "energy",
                            "item": "electricity_grid",
                            "value": 4200000.0,
                            "unit": "kWh",
                            "median": 1250000.0,
                            "ratio": 3.36,
                            "direction": "high",
                        }
                    ],
                }
            ]
        }
    )

    uscc: str
    name: str
    park_code: str | None
    above_designated_size: bool
    year: int
    months_due: int = Field(description="Months of the year that have ended")
    months_reported: int
    missing: list[str] = Field(description="Months that have ended with no report")
    anomalies: list[Anomaly] = Field(
        description="Months whose energy carrier or fresh water total is above 3× or below 1/3 "
        "of the enterprise's median month of the year"
    )
