"""Inventories as downloads: a CSV (UTF-8 with BOM) and an Excel workbook.

Both are written from the same tables (:func:`tables`), so that they carry the same rows and
totals as the JSON answer. Headers are Chinese with the English beside them and the unit in
brackets, e.g. ``排放量 Emissions (tCO2e)``; numbers stay numbers. Text that a spreadsheet
would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
is prefixed with ``'`` (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import quote

import xlsxwriter

from api.inventory.schemas import EnterpriseRow, Inventory, Level, MonthRow, SourceRow

Kind = Literal["text", "number", "int", "bool", "factor"]
Cell = str | float | int | bool | None

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """``text``, prefixed with ``'`` where a spreadsheet would take it for a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    unit: str | None = None
    kind: Kind = "text"

    @property
    def header(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.zh} {self.en}{unit}"


@dataclass(frozen=True)
class Table:
    """One sheet of the workbook, one section of the CSV."""

    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: list[list[Cell]]
    sheet: str = ""

    @property
    def title(self) -> str:
        return f"{self.zh} {self.en}"

    @property
    def sheet_name(self) -> str:
        """The worksheet's name: at most 31 characters, as Excel requires."""
        return (self.sheet or self.title)[:31]


_LEVEL_ZH = {Level.ENTERPRISE: "企业", Level.PARK: "园区", Level.DISTRICT: "全区"}
_METHOD_ZH = {"location": "基于位置", "market": "基于市场"}
_SCOPE_ZH = {1: "范围一", 2: "范围二"}
_CATEGORY_ZH = {
    "combustion": "化石燃料燃烧",
    "process": "工业生产过程",
    "electricity": "净购入电力",
    "heat": "净购入热力",
}

T = "tCO2e"


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _summary(inv: Inventory) -> Table:
    m = inv.scope2_method.value
    cov = inv.coverage
    rows: list[list[Cell]] = [
        ["level", "层级 Level", f"{_LEVEL_ZH[inv.level]} {inv.level.value}", None],
        ["id", "对象代码 Code (USCC / park)", inv.id, None],
        ["name", "名称 Name", inv.name, None],
        ["year", "年份 Year", inv.year, None],
        ["month", "月份 Month", inv.month, None],
        ["as_of", "数据截至 Revisions as of", _dt(inv.as_of), None],
        ["generated_at", "生成时间 Generated at", _dt(inv.generated_at), None],
        ["scope2_method", "范围二方法 Scope 2 method", f"{_METHOD_ZH[m]} {m}", None],
        ["grid_factor", "电网排放因子 Grid factor series", inv.grid_factor.value, None],
        ["fuel_source", "燃料排放因子 Fuel factor source", inv.fuel_source.value, None],
        ["process_source", "工业过程参数 Process defaults", inv.process_source.value, None],
        ["gwp", "全球变暖潜势 GWP set (100-year)", inv.gwp.name.value, None],
        ["total_tco2e", "排放总量 Total emissions", inv.total_tco2e, T],
        ["scope1_tco2e", "范围一 Scope 1 (direct)", inv.scope1_tco2e, T],
        ["scope2_tco2e", f"范围二 Scope 2 ({m}-based)", inv.scope2_tco2e, T],
        [
            "scope2_location_tco2e",
            "范围二(基于位置) Scope 2, location-based",
            inv.scope2_location_tco2e,
            T,
        ],
        [
            "scope2_market_tco2e",
            "范围二(基于市场) Scope 2, market-based",
            inv.scope2_market_tco2e,
            T,
        ],
        [
            "total_location_tco2e",
            "排放总量(基于位置) Total, location-based",
            inv.total_location_tco2e,
            T,
        ],
        ["total_market_tco2e", "排放总量(基于市场) Total, market-based", inv.total_market_tco2e, T],
        ["energy_tce", "综合能源消费量(当量值) Energy, equivalent value", inv.energy_tce, "tce"],
        [
            "energy_tce_equal_value",
            "综合能源消费量(等价值) Energy, equal value",
            inv.energy_tce_equal_value,
            "tce",
        ],
        ["complete", "数据完整 Complete", cov.complete, None],
        ["enterprises_expected", "应报企业数 Enterprises expected", cov.enterprises_expected, None],
        ["enterprises_reported", "已报企业数 Enterprises reported", cov.enterprises_reported, None],
        [
            "enterprises_missing_months",
            "缺报企业数 Enterprises with missing months",
            len(cov.enterprises_missing_months),
            None,
        ],
    ]
    return Table(
        "summary",
        "汇总",
        "Summary",
        (
            Column("字段", "Key"),
            Column("项目", "Item"),
            Column("数值", "Value", kind="number"),
            Column("单位", "Unit"),
        ),
        rows,
    )


_SOURCE_COLUMNS = (
    Column("范围", "Scope", kind="int"),
    Column("范围二方法", "Scope 2 method"),
    Column("类别", "Category"),
    Column("类别(英文)", "Category code"),
    Column("能源品种或工艺", "Carrier or process"),
    Column("温室气体", "Gas"),
    Column("活动水平", "Activity", kind="number"),
    Column("活动水平单位", "Activity unit"),
    Column("气体排放量", "Gas emitted", "t", "number"),
    Column("排放量", "Emissions", T, "number"),
    Column("排放因子", "Factor ids"),
)


def _source_rows(rows: Sequence[SourceRow]) -> list[list[Cell]]:
    return [
        [
            r.scope,
            r.scope2_method.value if r.scope2_method else None,
            f"{_SCOPE_ZH.get(r.scope, '')} {_CATEGORY_ZH.get(r.category, '')}".strip(),
            r.category,
            r.carrier_or_process,
            r.gas,
            r.activity,
            r.activity_unit,
            r.gas_t,
            r.tco2e,
            "; ".join(r.factor_ids),
        ]
        for r in rows
    ]


def _by_source(inv: Inventory) -> Table:
    rows = _source_rows(inv.by_source)
    rows.append(
        [None, None, "合计 Total", None, None, None, None, None, None, inv.total_tco2e, None]
    )
    return Table("by_source", "按排放源", "By source", _SOURCE_COLUMNS, rows)


def _scope2_other(inv: Inventory) -> Table:
    other = "market" if inv.scope2_method.value == "location" else "location"
    total = inv.scope2_market_tco2e if other == "market" else inv.scope2_location_tco2e
    rows = _source_rows(inv.scope2_other_method)
    rows.append([None, None, "合计 Total", None, None, None, None, None, None, total, None])
    return Table(
        "scope2_other_method",
        f"范围二({_METHOD_ZH[other]})对照",
        f"Scope 2, {other}-based, for comparison",
        _SOURCE_COLUMNS,
        rows,
        sheet="范围二对照 Scope 2 comparison",
    )


_FIGURES = (
    "scope1_tco2e",
    "scope2_tco2e",
    "scope2_location_tco2e",
    "scope2_market_tco2e",
    "total_tco2e",
    "energy_tce",
)


def _figure_columns(method: str) -> tuple[Column, ...]:
    """The columns of :data:`_FIGURES`, which enterprise and month rows share."""
    return (
        Column("范围一", "Scope 1", T, "number"),
        Column("范围二", f"Scope 2 ({method})", T, "number"),
        Column("范围二(基于位置)", "Scope 2 location", T, "number"),
        Column("范围二(基于市场)", "Scope 2 market", T, "number"),
        Column("排放总量", "Total", T, "number"),
        Column("能源消费量(当量值)", "Energy", "tce", "number"),
    )


def _figures(row: EnterpriseRow | MonthRow | Inventory) -> list[Cell]:
    return [getattr(row, name) for name in _FIGURES]


def _by_enterprise(inv: Inventory) -> Table:
    cols = (
        Column("统一社会信用代码", "USCC"),
        Column("企业名称", "Enterprise"),
        Column("园区", "Park"),
        Column("规模以上", "Above designated size", kind="bool"),
        Column("已报月数", "Months reported", kind="int"),
        *_figure_columns(inv.scope2_method.value),
    )
    rows: list[list[Cell]] = [
        [e.uscc, e.name, e.park_code, e.above_designated_size, e.months_reported, *_figures(e)]
        for e in inv.by_enterprise
    ]
    rows.append([None, "合计 Total", None, None, None, *_figures(inv)])
    return Table("by_enterprise", "按企业", "By enterprise", cols, rows)


def _by_month(inv: Inventory) -> Table:
    cols = (
        Column("月份", "Month"),
        Column("已报企业数", "Enterprises reported", kind="int"),
        *_figure_columns(inv.scope2_method.value),
    )
    rows: list[list[Cell]] = [
        [r.period, r.enterprises_reported, *_figures(r)] for r in inv.by_month
    ]
    rows.append(["合计 Total", None, *_figures(inv)])
    return Table("by_month", "按月份", "By month", cols, rows)


def _factors(inv: Inventory) -> Table:
    cols = (
        Column("因子编号", "Factor id"),
        Column("类型", "Kind"),
        Column("适用对象", "Activity"),
        Column("地区", "Region"),
        Column("气体", "Gas"),
        Column("数值", "Value", kind="factor"),
        Column("单位", "Unit"),
        Column("暂用", "Provisional", kind="bool"),
        Column("版本", "Edition"),
        Column("来源", "Source"),
        Column("出处(表/页)", "Reference (table, page)"),
        Column("网址", "URL"),
    )
    rows: list[list[Cell]] = [
        [
            f.id,
            f.kind,
            f.activity,
            f.region,
            f.gas,
            f.value,
            f.unit,
            f.provisional,
            f.edition,
            f.source,
            f.reference,
            f.url,
        ]
        for f in inv.factors_used
    ]
    return Table(
        "factors_used",
        "排放因子及来源",
        "Factors and sources",
        cols,
        rows,
        sheet="因子来源 Factors and sources",
    )


def _coverage(inv: Inventory) -> Table:
    cov = inv.coverage
    cols = (
        Column("项目", "What"),
        Column("对象", "Subject"),
        Column("名称", "Name"),
        Column("明细", "Detail"),
        Column("数量", "Quantity", kind="number"),
        Column("单位", "Unit"),
        Column("折标准煤(当量值)", "Energy", "tce", "number"),
    )
    rows: list[list[Cell]] = [
        [
            "缺报月份 Missing months",
            m.uscc,
            m.name,
            ", ".join(m.missing),
            len(m.missing),
            "months",
            None,
        ]
        for m in cov.enterprises_missing_months
    ]
    rows += [
        ["未覆盖排放 Not covered", n.item, None, n.reason, n.quantity, n.unit, n.energy_tce]
        for n in cov.not_covered
    ]
    rows += [
        ["暂用因子 Provisional factor", fid, None, None, None, None, None]
        for fid in cov.provisional_factors
    ]
    return Table("coverage", "覆盖范围", "Coverage", cols, rows)


def _notes(inv: Inventory) -> Table:
    return Table(
        "method_notes",
        "方法说明",
        "Method notes",
        (Column("序号", "No.", kind="int"), Column("说明", "Note")),
        [[i, note] for i, note in enumerate(inv.method_notes, start=1)],
    )


def tables(inv: Inventory) -> list[Table]:
    """The tables a download holds, in order; district and park add the enterprise breakdown."""
    out = [_summary(inv), _by_source(inv), _scope2_other(inv)]
    if inv.level is not Level.ENTERPRISE:
        out.append(_by_enterprise(inv))
    out += [_by_month(inv), _factors(inv), _coverage(inv), _notes(inv)]
    return out


def _csv_cell(value: Cell) -> str | float | int:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return safe_text(value)
    return value


def to_csv(inv: Inventory) -> bytes:
    """The inventory as CSV, UTF-8 with a BOM: one section per table, a blank line between.

    Each section starts with a title row ``[key] 中文 English``, then its header row, then its
    rows. Numbers are written in full precision (``repr``), so they add up as in the JSON.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for i, table in enumerate(tables(inv)):
        if i:
            writer.writerow([])
        writer.writerow([f"[{table.key}]", table.title])
        writer.writerow([c.header for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


_WIDTH_SAMPLE = 200  # rows that set a column's width; a district has thousands


def _width(value: Cell) -> int:
    if value is None:
        return 0
    text = (
        value
        if isinstance(value, str)
        else f"{value:,.2f}"
        if isinstance(value, float)
        else str(value)
    )
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def to_xlsx(inv: Inventory) -> bytes:
    """The inventory as an Excel workbook, one sheet per table (see :func:`tables`).

    Numbers are written as numbers (emissions and energy shown with two decimals, factors
    in full), booleans as booleans and text as text, never as formulas.
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    wb.set_properties(
        {
            "title": f"碳排放清单 Carbon inventory {inv.id or 'district'} {inv.year}",
            "subject": "Greenhouse-gas inventory (scope 1 and 2)",
            "comments": f"Generated {inv.generated_at.isoformat()}",
        }
    )
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"})
    title = wb.add_format({"bold": True, "font_size": 13})
    num = wb.add_format({"num_format": "#,##0.00"})
    factor = wb.add_format({"num_format": "General"})
    for table in tables(inv):
        ws = wb.add_worksheet(table.sheet_name)
        ws.write_string(0, 0, safe_text(table.title), title)
        for c, col in enumerate(table.columns):
            ws.write_string(1, c, col.header, head)
        widths = [min(max(12, _width(col.header) // 2 + 2), 60) for col in table.columns]
        for r, row in enumerate(table.rows, start=2):
            for c, value in enumerate(row):
                col = table.columns[c]
                if r < _WIDTH_SAMPLE:
                    widths[c] = min(max(widths[c], _width(value) + 2), 60)
                if value is None:
                    continue
                if isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value, num if col.kind == "number" else factor)
                else:
                    ws.write_string(r, c, safe_text(value))
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.freeze_panes(2, 0)
        if table.rows:
            ws.autofilter(1, 0, 1 + len(table.rows), len(table.columns) - 1)
    wb.close()
    return buf.getvalue()


def file_name(inv: Inventory, extension: str) -> tuple[str, str]:
    """An ASCII file name and a fuller UTF-8 one, e.g. ``inventory_BEIDU_2024.xlsx`` and
    ``inventory_BEIDU_2024_北渡组团.xlsx``."""
    parts = ["inventory", inv.id or "district", str(inv.year)]
    if inv.month is not None:
        parts[-1] = f"{inv.year}-{inv.month:02d}"
    if inv.as_of is not None:
        parts.append("as-of-" + inv.as_of.strftime("%Y%m%dT%H%M%SZ"))
    ascii_name = "_".join(parts) + "." + extension
    full = "_".join([*parts, inv.name]) + "." + extension
    return ascii_name, full


def content_disposition(inv: Inventory, extension: str) -> str:
    """An ``attachment`` header with both file names (RFC 6266, RFC 8187 ``filename*``)."""
    ascii_name, full = file_name(inv, extension)
    full = "".join(ch for ch in full if ch not in '\\/:*?"<>|\r\n')
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(full, safe='')}"
