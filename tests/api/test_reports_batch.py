"""Batch import: JSON, CSV and Excel, all or nothing, errors naming the report or the row,
enterprises outside the caller's scope refused, and 100,000 lines in one go."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.reports.parsing import UPLOAD_COLUMNS, XLSX_TYPE
from api.reports.schemas import EXAMPLE_BODY
from tests.api.test_reports import counts
from tests.world import World

BATCH = "/api/v1/reports/batch"


def report(uscc: str, period: str, **body: Any) -> dict[str, Any]:
    return {"uscc": uscc, "period": period, **(body or EXAMPLE_BODY)}


def post_json(client: TestClient, world: World, who: str, reports: list[dict[str, Any]]) -> Any:
    return client.post(BATCH, json={"reports": reports}, headers=world.headers(who))


def post_raw(client: TestClient, world: World, who: str, content: bytes, media: str) -> Any:
    return client.post(
        BATCH, content=content, headers={**world.headers(who), "content-type": media}
    )


def latest(client: TestClient, world: World, key: str, period: str) -> dict[str, Any]:
    r = client.get(
        f"/api/v1/enterprises/{world.enterprises[key]}/reports/{period}",
        headers=world.headers("admin"),
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def locs(r: Any) -> list[list[Any]]:
    return [e["loc"] for e in r.json()["errors"]]


# --- JSON -------------------------------------------------------------------------------------


def test_json_batch_stores_each_report_as_a_revision(client: TestClient, world: World) -> None:
    a, small = world.enterprises["a"], world.enterprises["small"]
    reports = [report(a, f"2024-{m:02d}") for m in range(1, 4)] + [report(small, "2024-01")]
    r = post_json(client, world, "pm_beidu", reports)
    assert r.status_code == 200, r.text
    # EXAMPLE_BODY has 3 energy + 2 water + 1 waste + 1 production + 2 economics = 9 lines.
    assert r.json()["reports"] == 4 and r.json()["lines"] == 4 * 9
    assert counts(world.engine) == (4, 36, 4)
    got = latest(client, world, "a", "2024-02")
    assert got["revision"] == 1 and got["channel"] == "batch"
    assert got["batch_id"] == r.json()["batch_id"]
    assert got["energy"][0]["canonical_quantity"] == pytest.approx(1_256_000)  # 125.6 万千瓦时
    # A later PUT makes revision 2 of the same month, as it would after a PUT.
    put = client.put(
        f"/api/v1/enterprises/{a}/reports/2024-02",
        json=EXAMPLE_BODY,
        headers=world.headers("ent_a"),
    )
    assert put.status_code == 200 and put.json()["revision"] == 2


def test_one_month_twice_in_a_batch_gives_consecutive_revisions(
    client: TestClient, world: World
) -> None:
    a = world.enterprises["a"]
    client.put(
        f"/api/v1/enterprises/{a}/reports/2024-01",
        json=EXAMPLE_BODY,
        headers=world.headers("ent_a"),
    )
    first = {"energy": [{"carrier": "diesel", "quantity": 1, "unit": "t"}]}
    second = {"energy": [{"carrier": "diesel", "quantity": 2, "unit": "t"}]}
    r = post_json(
        client, world, "admin", [report(a, "2024-01", **first), report(a, "2024-01", **second)]
    )
    assert r.status_code == 200, r.text
    revisions = client.get(
        f"/api/v1/enterprises/{a}/reports/2024-01/revisions", headers=world.headers("ent_a")
    ).json()
    assert [(x["revision"], x["channel"]) for x in revisions] == [
        (1, "api"),
        (2, "batch"),
        (3, "batch"),
    ]
    assert latest(client, world, "a", "2024-01")["energy"][0]["quantity"] == 2


def test_json_batch_errors_name_the_report_and_field_and_write_nothing(
    client: TestClient, world: World
) -> None:
    a = world.enterprises["a"]
    post_json(client, world, "admin", [report(a, "2024-01")])
    before = counts(world.engine)
    bad_unit = {"energy": [{"carrier": "electricity_grid", "quantity": 1, "unit": "t"}]}
    bad_waste = {
        "solid_waste": [{"category": "fly_ash", "unit": "t", "generated": 1, "utilised": 2}]
    }
    reports = [
        report(a, "2024-02"),
        report(a, "2024-03", **bad_unit),
        report(a, "2024-13"),
        report(a, "2024-04", **bad_waste),
        {"uscc": a, "period": "2024-05"},
    ]
    r = post_json(client, world, "admin", reports)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    got = locs(r)
    assert ["body", "reports", 1, "energy", 0, "unit"] in got
    assert ["body", "reports", 2, "period"] in got
    assert ["body", "reports", 3, "solid_waste", 0, "utilised"] in got
    assert ["body", "reports", 4] in got  # a report with no lines
    assert not any(loc[:3] == ["body", "reports", 0] for loc in got)
    assert counts(world.engine) == before


def test_json_batch_shape_errors_name_the_field(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    cases: list[tuple[bytes, list[Any]]] = [
        (b"", ["body"]),
        (b"{}", ["body", "reports"]),
        (b'{"reports": []}', ["body", "reports"]),
        (b'{"reports": [], "extra": 1}', ["body", "extra"]),
        (b"{broken", ["body"]),
        (
            json.dumps(
                {"reports": [report(a, "2024-01"), {**report(a, "2024-01"), "fuel": 1}]}
            ).encode(),
            ["body", "reports", 1, "fuel"],
        ),
        (
            json.dumps({"reports": [{"period": "2024-01", **EXAMPLE_BODY}]}).encode(),
            ["body", "reports", 0, "uscc"],
        ),
        (
            (
                f'{{"reports": [{{"uscc": "{a}", "period": "2024-01", "energy": '
                '[{"carrier": "diesel", "quantity": NaN, "unit": "t"}]}]}'
            ).encode(),
            ["body", "reports", 0, "energy", 0, "quantity"],
        ),
    ]
    for content, loc in cases:
        r = post_raw(client, world, "admin", content, "application/json")
        assert r.status_code == 422, (content[:60], r.text)
        assert loc in locs(r), (content[:60], r.json())
    assert counts(world.engine) == (0, 0, 0)


def test_a_batch_naming_an_enterprise_outside_the_scope_is_refused_whole(
    client: TestClient, world: World
) -> None:
    a, b = world.enterprises["a"], world.enterprises["b"]
    for who, reports, named in (
        ("pm_beidu", [report(a, "2024-01"), report(b, "2024-01")], "report 1"),
        ("pm_qiaohe", [report(a, "2024-01")], "report 0"),
        ("ent_a", [report(a, "2024-01"), report(a, "2024-02"), report(b, "2024-02")], "report 2"),
        ("ent_b", [report(a, "2024-01")], "report 0"),
    ):
        r = post_json(client, world, who, reports)
        assert r.status_code == 403, (who, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert named in r.json()["detail"], (who, r.json())
    assert counts(world.engine) == (0, 0, 0)


def test_unknown_and_malformed_usccs(client: TestClient, world: World) -> None:
    from tests.helpers import make_uscc

    unknown = make_uscc(999)
    r = post_json(client, world, "admin", [report(unknown, "2024-01")])
    assert r.status_code == 422 and ["body", "reports", 0, "uscc"] in locs(r)
    # A scoped caller is not told whether an enterprise outside its scope exists.
    r = post_json(client, world, "pm_beidu", [report(unknown, "2024-01")])
    assert r.status_code == 403
    r = post_json(client, world, "admin", [report("91500110MA5U5K7X4A", "2024-01")])
    assert r.status_code == 422 and ["body", "reports", 0, "uscc"] in locs(r)
    assert counts(world.engine) == (0, 0, 0)


def test_usccs_in_lower_case_with_spaces_are_the_same_enterprise(
    client: TestClient, world: World
) -> None:
    a = world.enterprises["a"]
    r = post_json(client, world, "ent_a", [report(f" {a.lower()} ", "2024-01")])
    assert r.status_code == 200, r.text
    assert latest(client, world, "a", "2024-01")["uscc"] == a


# --- CSV --------------------------------------------------------------------------------------


def csv_text(world: World) -> str:
    a, small = world.enterprises["a"], world.enterprises["small"]
    return (
        ",".join(UPLOAD_COLUMNS)
        + f"\n{a},2024-05,energy,electricity_grid,125.6,万千瓦时,,,,,"  # row 2
        + f"\n{a},2024-05,energy,electricity_grid,2000,度,,,,,"  # row 3: a second meter
        + f"\n{a},2024-05,water,fresh_withdrawal,1200,m3,,,,,"  # row 4
        + f"\n{a},2024-05,solid_waste,fly_ash,,t,120,0,100,20,0"  # row 5
        + f"\n{a},2024-05,economics,value_added,3000,万元,,,,,"  # row 6
        + f"\n{small},2024-05,energy,Diesel,1800,kg,,,,,"  # row 7 (item case folded)
        + f"\n{a},2024-06,production,primary_aluminium,2500,t,,,,,"  # row 8
        + "\n"
    )


def test_csv_upload_one_row_a_line(client: TestClient, world: World) -> None:
    r = post_raw(client, world, "pm_beidu", csv_text(world).encode(), "text/csv")
    assert r.status_code == 200, r.text
    assert r.json()["reports"] == 3 and r.json()["lines"] == 7
    may = latest(client, world, "a", "2024-05")
    # 125.6 万千瓦时 = 1,256,000 kWh and 2,000 度 = 2,000 kWh: two meters, kept apart
    assert [e["canonical_quantity"] for e in may["energy"]] == pytest.approx([1_256_000, 2_000])
    assert may["solid_waste"][0]["canonical"]["utilised"] == 100
    assert may["economics"]["value_added"]["canonical_quantity"] == 3000
    small = latest(client, world, "small", "2024-05")
    assert small["energy"][0]["carrier"] == "diesel" and small["energy"][0][
        "canonical_quantity"
    ] == pytest.approx(1.8)
    assert latest(client, world, "a", "2024-06")["production"][0]["quantity"] == 2500


def test_csv_in_gb18030_or_with_a_bom_and_blank_lines(client: TestClient, world: World) -> None:
    text = csv_text(world)
    r = post_raw(client, world, "admin", text.encode("gb18030"), "text/csv")
    assert r.status_code == 200, r.text
    r = post_raw(client, world, "admin", b"\xef\xbb\xbf" + text.encode(), "text/csv; charset=utf-8")
    assert r.status_code == 200, r.text
    assert latest(client, world, "a", "2024-05")["revision"] == 2
    # A blank line does not shift the row numbers errors name.
    lines = text.splitlines()
    lines.insert(3, "")
    lines[4] = lines[4].replace(",m3,", ",furlong,")  # the water line, file row 5 now
    r = post_raw(client, world, "admin", "\n".join(lines).encode(), "text/csv")
    assert r.status_code == 422 and ["body", "row", 5, "unit"] in locs(r), r.json()


def test_csv_errors_name_the_row_and_the_column(client: TestClient, world: World) -> None:
    before = counts(world.engine)
    a = world.enterprises["a"]
    text = (
        ",".join(UPLOAD_COLUMNS)
        + f"\n{a},2024-05,energy,electricity_grid,125.6,万千瓦时,,,,,"  # row 2 good
        + f"\n{a},2024-05,energy,electricity_grid,12,t,,,,,"  # row 3 wrong dimension
        + f"\n{a},2024-05,energy,diesel,abc,t,,,,,"  # row 4 not a number
        + f"\n{a},2024-05,energy,diesel,NaN,t,,,,,"  # row 5 NaN
        + f"\n{a},2024-05,energy,diesel,-1,t,,,,,"  # row 6 negative
        + f"\n{a},2024-05,water,fresh_withdrawal,,m3,,,,,"  # row 7 quantity missing
        + f"\n{a},2024-05,solid_waste,fly_ash,5,t,120,0,100,20,0"  # row 8 quantity on waste
        + f"\n{a},2024-05,solid_waste,fly_ash,,t,10,0,100,20,0"  # row 9 over-accounted
        + f"\n{a},2024-05,energy,diesel,1,t,3,,,,"  # row 10 waste column on energy
        + f"\n{a},2024-05,fuel,diesel,1,t,,,,,"  # row 11 unknown section
        + f"\n{a},2099-01,energy,diesel,1,t,,,,,"  # row 12 future period
        + f"\n{a},2024-05,economics,value_added,1,万元,,,,,"  # row 13
        + f"\n{a},2024-05,economics,value_added,2,万元,,,,,"  # row 14 stated twice
        + f"\n{a},2024-05,energy,diesel,inf,t,,,,,"  # row 15 infinite
    )
    r = post_raw(client, world, "admin", text.encode(), "text/csv")
    assert r.status_code == 422, r.text
    got = locs(r)
    expected = [
        [3, "unit"],
        [4, "quantity"],
        [5, "quantity"],
        [6, "quantity"],
        [7, "quantity"],
        [8, "quantity"],
        [9, "utilised"],
        [10, "generated"],
        [11, "section"],
        [12, "period"],
        [14, "item"],
        [15, "quantity"],
    ]
    for loc in expected:
        assert ["body", "row", *loc] in got, (loc, got)
    assert not any(loc[2] in (2, 13) for loc in got)
    assert [loc[2] for loc in got] == sorted(loc[2] for loc in got)  # in row order
    assert counts(world.engine) == before


def test_csv_header_problems(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    row = f"\n{a},2024-05,energy,diesel,1,t"
    cases = [
        ("uscc,period,section,item,quantity" + row[: row.rindex(",")], ["body", "row", 1, "unit"]),
        (
            "uscc,period,section,item,quantity,unit,colour" + row + ",red",
            ["body", "row", 1, "colour"],
        ),
        ("uscc,period,section,item,quantity,unit,unit" + row + ",t", ["body", "row", 1, "unit"]),
        ("uscc,period,section,item,quantity,unit", ["body"]),
        ("", ["body"]),
        ("uscc,period,section,item,quantity,unit" + row + ",t,extra", ["body"]),
    ]
    for text, loc in cases:
        r = post_raw(client, world, "admin", text.encode(), "text/csv")
        assert r.status_code == 422, (text, r.text)
        assert loc in locs(r), (text, r.json())
    # Headers in another case, with spaces, and without the optional waste columns, are fine.
    r = post_raw(
        client,
        world,
        "admin",
        (" USCC , Period,SECTION,item,quantity,unit" + row).encode(),
        "text/csv",
    )
    assert r.status_code == 200, r.text


def test_csv_naming_an_enterprise_outside_the_scope_names_its_row(
    client: TestClient, world: World
) -> None:
    a, b = world.enterprises["a"], world.enterprises["b"]
    text = (
        "uscc,period,section,item,quantity,unit"
        f"\n{a},2024-05,energy,diesel,1,t"
        f"\n{a},2024-05,energy,diesel,2,t"
        f"\n{b},2024-05,energy,diesel,3,t"
    )
    r = post_raw(client, world, "pm_beidu", text.encode(), "text/csv")
    assert r.status_code == 403
    assert "row 4" in r.json()["detail"] and b in r.json()["detail"]
    assert counts(world.engine) == (0, 0, 0)


# --- Excel and multipart ------------------------------------------------------------------------


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_upload_raw_and_as_a_multipart_file(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    content = xlsx(
        [
            list(UPLOAD_COLUMNS),
            [a, "2024-05", "energy", "electricity_grid", 125.6, "万千瓦时"],
            # Excel turns "2024-05" typed into a cell into a date; it still means May 2024.
            [a, date(2024, 5, 1), "water", "fresh_withdrawal", 1200, "m3"],
            [],
            [a, "2024-05", "solid_waste", "fly_ash", None, "t", 120, 0, 100, 20, 0],
        ]
    )
    r = post_raw(client, world, "ent_a", content, XLSX_TYPE)
    assert r.status_code == 200, r.text
    assert r.json() == {**r.json(), "reports": 1, "lines": 3}
    got = latest(client, world, "a", "2024-05")
    assert got["energy"][0]["canonical_quantity"] == pytest.approx(1_256_000)
    assert got["water"][0]["quantity"] == 1200
    files = {"file": ("reports.xlsx", content, "application/octet-stream")}
    r = client.post(BATCH, files=files, headers=world.headers("ent_a"))
    assert r.status_code == 200, r.text
    assert latest(client, world, "a", "2024-05")["revision"] == 2


def test_xlsx_errors_name_the_excel_row(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    content = xlsx(
        [
            list(UPLOAD_COLUMNS),
            [a, "2024-05", "energy", "electricity_grid", 125.6, "万千瓦时"],  # row 2
            [],  # row 3 empty
            [a, "2024-05", "energy", "electricity_grid", 1, "t"],  # row 4
            [a, "2024-05", "energy", "diesel", "lots", "t"],  # row 5
        ]
    )
    r = post_raw(client, world, "ent_a", content, XLSX_TYPE)
    assert r.status_code == 422, r.text
    assert ["body", "row", 4, "unit"] in locs(r) and ["body", "row", 5, "quantity"] in locs(r)
    r = post_raw(client, world, "ent_a", b"PK not really a workbook", XLSX_TYPE)
    assert r.status_code == 422
    assert counts(world.engine) == (0, 0, 0)


def test_multipart_csv_and_json_files(client: TestClient, world: World) -> None:
    files = {"file": ("may.csv", csv_text(world).encode(), "text/csv")}
    r = client.post(BATCH, files=files, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["lines"] == 7, r.text
    body = json.dumps({"reports": [report(world.enterprises["a"], "2024-07")]}).encode()
    files = {"file": ("july.json", body, "application/octet-stream")}
    r = client.post(BATCH, files=files, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["reports"] == 1, r.text


def test_unusable_uploads(client: TestClient, world: World) -> None:
    r = client.post(
        BATCH, files={"other": ("x.csv", b"a", "text/csv")}, headers=world.headers("admin")
    )
    assert r.status_code == 422
    r = post_raw(client, world, "admin", b"<reports/>", "application/xml")
    assert r.status_code == 415 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post(BATCH, content=b"x", headers=world.headers("admin"))
    assert r.status_code == 415
    r = client.post(BATCH, json={"reports": []})
    assert r.status_code == 401
    assert counts(world.engine) == (0, 0, 0)


def test_batch_over_64_mebibytes_is_413(client: TestClient, world: World) -> None:
    content = b" " * (64 * 1024 * 1024 + 1)
    r = post_raw(client, world, "admin", content, "application/json")
    assert r.status_code == 413
    assert counts(world.engine) == (0, 0, 0)


# --- scale --------------------------------------------------------------------------------------


def test_a_batch_of_100000_lines(client: TestClient, world: World) -> None:
    """100 reports (4 enterprises × 25 months) of 1,000 meter lines each, sent as CSV."""
    keys = ("a", "small", "town", "outside")
    months = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(25)]
    rows = [",".join(UPLOAD_COLUMNS[:6])]
    for key in keys:
        uscc = world.enterprises[key]
        for m in months:
            line = f"{uscc},{m},energy,electricity_grid,1.5,万千瓦时"
            rows.extend([line] * 1000)
    r = post_raw(client, world, "admin", "\n".join(rows).encode(), "text/csv")
    assert r.status_code == 200, r.text
    assert r.json()["reports"] == 100 and r.json()["lines"] == 100_000
    assert counts(world.engine) == (100, 100_000, 100)
    from sqlmodel import Session

    from api.reports.repository import aggregate_latest

    with Session(world.engine) as s:
        agg = aggregate_latest(s, year_from=2020, year_to=2022)
    # Each month: 1,000 meters × 1.5 万千瓦时 × 10⁴ kWh/万千瓦时 = 15,000,000 kWh.
    assert len(agg) == 100
    assert agg["quantity"].to_numpy() == pytest.approx([15_000_000] * 100)


def test_the_templates_fill_in_and_import(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    r = client.get(f"{BATCH}/template", headers=world.headers("ent_a"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    filled = r.content.decode("utf-8-sig").replace("91500110MA5U5K7X4K", a)
    r = post_raw(client, world, "ent_a", filled.encode(), "text/csv")
    assert r.status_code == 200, r.text
    assert r.json()["lines"] == 7

    r = client.get(f"{BATCH}/template?format=xlsx", headers=world.headers("ent_a"))
    assert r.status_code == 200 and r.headers["content-type"] == XLSX_TYPE
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(UPLOAD_COLUMNS)
    for row in sheet.iter_rows(min_row=2):
        row[0].value = a
    out = io.BytesIO()
    book.save(out)
    r = post_raw(client, world, "ent_a", out.getvalue(), XLSX_TYPE)
    assert r.status_code == 200, r.text
    assert latest(client, world, "a", "2024-05")["revision"] == 2
    assert client.get(f"{BATCH}/template").status_code == 401
