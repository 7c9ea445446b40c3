"""Inventory downloads: the CSV read back with the csv module, the workbook with openpyxl.

Both carry the same rows and totals as the JSON answer, checked here against the hand
calculations of ``test_inventory.py`` (factors and sources listed there).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.inventory import exports
from tests.api.test_inventory import (
    A_APR_LOC,
    A_APR_TCE,
    A_MAR_DIESEL,
    A_MAR_GRID_LOC,
    A_MAR_TCE,
    S_MAR_LOC,
    S_MAR_TCE,
    URL,
    get,
    inventory,
    reports,  # noqa: F401  (fixture)
)
from tests.world import World

# BEIDU 2022 (a and small): 309.5910 + 656.5112 + 162.27 + 5.227 = 1133.5992 tCO2e
BEIDU_TOTAL = A_MAR_DIESEL + A_MAR_GRID_LOC + A_APR_LOC + S_MAR_LOC
BEIDU_TCE = A_MAR_TCE + A_APR_TCE + S_MAR_TCE  # 300.0724 + 57.555 + 1.229 = 358.8564 tce


def csv_sections(body: bytes) -> dict[str, list[list[str]]]:
    """The CSV's sections by key: header row first, then the rows."""
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM"
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
        if not row:
            current = None
        elif current is None:
            key = row[0].strip("[]")
            current = sections.setdefault(key, [])
        else:
            current.append(row)
    return sections


def summary_values(section: list[list[str]]) -> dict[str, str]:
    return {row[0]: row[2] for row in section[1:]}


def test_csv_download(client: TestClient, reports: World) -> None:  # noqa: F811
    params: dict[str, Any] = {"level": "park", "id": "BEIDU", "year": 2022}
    as_json = inventory(client, reports, "pm_beidu", **params)
    r = get(client, reports, "pm_beidu", format="csv", **params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="inventory_BEIDU_2022.csv"')
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("''", 1)[1]) == "inventory_BEIDU_2022_北渡组团.csv"

    sections = csv_sections(r.content)
    assert list(sections) == [
        "summary",
        "by_source",
        "scope2_other_method",
        "by_enterprise",
        "by_month",
        "factors_used",
        "coverage",
        "method_notes",
    ]
    summary = summary_values(sections["summary"])
    assert float(summary["total_tco2e"]) == pytest.approx(BEIDU_TOTAL)
    assert float(summary["total_tco2e"]) == as_json["total_tco2e"]  # full precision
    assert float(summary["energy_tce"]) == pytest.approx(BEIDU_TCE)
    assert summary["scope2_method"] == "基于位置 location"
    assert summary["name"] == "北渡组团"

    header, *rows = sections["by_source"]
    assert header[9] == "排放量 Emissions (tCO2e)"
    assert header[6] == "活动水平 Activity"
    *source_rows, total = rows
    assert len(source_rows) == len(as_json["by_source"])
    assert [float(row[9]) for row in source_rows] == [s["tco2e"] for s in as_json["by_source"]]
    assert total[2] == "合计 Total" and float(total[9]) == pytest.approx(BEIDU_TOTAL)
    diesel = next(row for row in source_rows if row[4] == "diesel")
    assert (diesel[0], diesel[3], diesel[7]) == ("1", "combustion", "t")
    assert float(diesel[9]) == pytest.approx(309.59, abs=0.005)

    header, *rows = sections["by_enterprise"]
    assert header[:2] == ["统一社会信用代码 USCC", "企业名称 Enterprise"]
    names = {row[0]: row[1] for row in rows[:-1]}
    assert names == {reports.enterprises["a"]: "示范铝业", reports.enterprises["small"]: "示范小厂"}
    assert float(rows[-1][9]) == pytest.approx(BEIDU_TOTAL)

    header, *rows = sections["by_month"]
    assert [row[0] for row in rows] == [f"2022-{m:02d}" for m in range(1, 13)] + ["合计 Total"]
    assert float(rows[2][6]) == pytest.approx(A_MAR_DIESEL + A_MAR_GRID_LOC + S_MAR_LOC)

    factor_ids = {row[0]: row for row in sections["factors_used"][1:]}
    cq = factor_ids["mee_grid-2022:grid_average:CN-CQ"]
    assert (float(cq[5]), cq[6], cq[7]) == (0.5227, "kgCO2/kWh", "false")
    assert any(row[1] == "other_energy" for row in sections["coverage"][1:])
    assert len(sections["method_notes"]) == 1 + len(as_json["method_notes"])


def test_xlsx_download(client: TestClient, reports: World) -> None:  # noqa: F811
    params: dict[str, Any] = {"level": "park", "id": "BEIDU", "year": 2022}
    as_json = inventory(client, reports, **params)
    r = get(client, reports, format="xlsx", **params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="inventory_BEIDU_2022.xlsx"' in r.headers["content-disposition"]

    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == [
        "汇总 Summary",
        "按排放源 By source",
        "范围二对照 Scope 2 comparison",
        "按企业 By enterprise",
        "按月份 By month",
        "因子来源 Factors and sources",
        "覆盖范围 Coverage",
        "方法说明 Method notes",
    ]
    summary = wb["汇总 Summary"]
    assert summary["A1"].value == "汇总 Summary"
    assert [c.value for c in summary[2]] == [
        "字段 Key",
        "项目 Item",
        "数值 Value",
        "单位 Unit",
    ]
    values = {row[0]: (row[2], row[3]) for row in summary.iter_rows(min_row=3, values_only=True)}
    total, unit = values["total_tco2e"]
    assert isinstance(total, float) and unit == "tCO2e"
    assert total == pytest.approx(BEIDU_TOTAL)
    assert total == pytest.approx(as_json["total_tco2e"], rel=1e-15)  # Excel keeps 15-16 digits
    assert values["energy_tce"] == (pytest.approx(BEIDU_TCE), "tce")
    assert values["year"][0] == 2022 and values["complete"][0] is False

    by_source = wb["按排放源 By source"]
    header = [c.value for c in by_source[2]]
    assert "排放量 Emissions (tCO2e)" in header and "气体排放量 Gas emitted (t)" in header
    col = header.index("排放量 Emissions (tCO2e)")
    rows = list(by_source.iter_rows(min_row=3, values_only=True))
    assert all(isinstance(row[col], int | float) for row in rows)  # numbers, not text
    assert sum(row[col] for row in rows[:-1]) == pytest.approx(BEIDU_TOTAL)
    assert rows[-1][2] == "合计 Total" and rows[-1][col] == pytest.approx(BEIDU_TOTAL)
    assert by_source.freeze_panes == "A3"

    by_ent = wb["按企业 By enterprise"]
    ent_rows = {row[0]: row for row in by_ent.iter_rows(min_row=3, values_only=True)}
    small = ent_rows[reports.enterprises["small"]]
    assert small[3] is False  # 规模以上: no, yet in the inventory
    assert small[9] == pytest.approx(S_MAR_LOC)

    factors = wb["因子来源 Factors and sources"]
    assert factors["A1"].value == "排放因子及来源 Factors and sources"
    frows = {row[0]: row for row in factors.iter_rows(min_row=3, values_only=True)}
    assert frows["mee_grid-2022:grid_average:CN-CQ"][5] == 0.5227
    assert frows["gbt2589-2008:tce_equivalent:electricity"][6] == "kgce/kWh"

    notes = [row[1] for row in wb["方法说明 Method notes"].iter_rows(min_row=3, values_only=True)]
    assert notes == as_json["method_notes"]


def test_enterprise_and_district_file_names(client: TestClient, reports: World) -> None:  # noqa: F811
    a = reports.enterprises["a"]
    r = get(client, reports, "ent_a", level="enterprise", id=a, year=2022, month=4, format="csv")
    assert f'filename="inventory_{a}_2022-04.csv"' in r.headers["content-disposition"]
    sections = csv_sections(r.content)
    assert "by_enterprise" not in sections  # one enterprise: no breakdown
    assert float(summary_values(sections["summary"])["total_tco2e"]) == pytest.approx(A_APR_LOC)

    as_of = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    r = get(client, reports, level="district", year=2022, format="xlsx", as_of=as_of.isoformat())
    assert r.status_code == 200
    assert (
        'filename="inventory_district_2022_as-of-20300102T030405Z.xlsx"'
        in r.headers["content-disposition"]
    )


def test_formula_injection_neutralised(client: TestClient, reports: World) -> None:  # noqa: F811
    small = reports.enterprises["small"]
    evil = '=HYPERLINK("http://example.com","x")'
    r = client.patch(
        f"/api/v1/enterprises/{small}", json={"name": evil}, headers=reports.headers("admin")
    )
    assert r.status_code == 200, r.text
    params: dict[str, Any] = {"level": "park", "id": "BEIDU", "year": 2022}

    sections = csv_sections(get(client, reports, format="csv", **params).content)
    names = {row[0]: row[1] for row in sections["by_enterprise"][1:]}
    assert names[small] == "'" + evil

    r = get(client, reports, format="xlsx", **params)
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    cells = {row[0].value: row[1] for row in wb["按企业 By enterprise"].iter_rows(min_row=3)}
    assert cells[small].value == "'" + evil and cells[small].data_type == "s"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+86 23", "'+86 23"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("示范铝业", "示范铝业"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_text(text: str, expected: str) -> None:
    assert exports.safe_text(text) == expected


def test_downloads_need_a_token(client: TestClient, world: World) -> None:
    r = client.get(URL, params={"level": "district", "year": 2022, "format": "csv"})
    assert r.status_code == 401
    assert "content-disposition" not in r.headers
