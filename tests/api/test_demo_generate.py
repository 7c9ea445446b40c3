"""The demonstration district: deterministic, valid identifiers, calibrated to the plan.

Calibration figures (綦江区"十四五"工业高质量发展规划, as quoted in shared/DOMAIN.md and
factors/plans/qijiang_2021_2025/source.yaml), 2020, above-size enterprises:
  gross output 428.05 亿元 × 10,000 万元/亿元 = 4,280,500 万元
  value added  137 亿元 × 10,000             = 1,370,000 万元
  park concentration 73 %                    → 0.73 × 4,280,500 = 3,124,765 万元 in parks
  primary aluminium 31.02 万吨 × 10,000 t/万吨 = 310,200 t
"""

from __future__ import annotations

import math
import re
from datetime import date

import pandas as pd
import pytest
from stdnum.cn import uscc as uscc_check

from api.demo import DemoDistrict, generate_demo
from api.demo.generate import REPORT_COLUMNS, last_full_month
from carbon.catalog import WASTE_COLUMNS, Section, known_items
from carbon.intensity import base_intensities, intensity_overruns, year_to_date
from carbon.periods import Period, months_between

THROUGH = Period(2024, 12)

# Units a report may use (shared/API.md), and the factor to the canonical unit of each line.
TO_CANONICAL = {
    "万千瓦时": 1e4,
    "千瓦时": 1.0,
    "MWh": 1e3,
    "万立方米": 1e4,
    "立方米": 1.0,
    "m3": 1.0,
    "吨": 1.0,
    "吉焦": 1.0,
    "万元": 1.0,
}
# GB/T 2589 equivalent-value coefficients, tce per canonical unit (shared/DOMAIN.md).
TCE = {
    "electricity_grid": 0.1229e-3,
    "electricity_green": 0.1229e-3,
    "electricity_onsite_renewable": 0.1229e-3,
    "natural_gas": 1.2143e-3,
    "raw_coal": 0.7143,
    "diesel": 1.4571,
    "heat_purchased": 0.03412,
}
# GB/T 4754-2017 classes the demo uses.
INDUSTRY_CLASSES = {
    "1353",  # 肉制品及副产品加工
    "1431",  # 米、面制品制造
    "1462",  # 酱油、食醋及类似制品制造
    "1512",  # 白酒制造
    "2110",  # 木质家具制造 (below size)
    "2319",  # 包装装潢及其他印刷 (below size)
    "2614",  # 有机化学原料制造
    "2619",  # 其他基础化学原料制造
    "2621",  # 氮肥制造
    "3011",  # 水泥制造
    "3021",  # 水泥制品制造
    "3061",  # 玻璃纤维及制品制造
    "3216",  # 铝冶炼
    "3252",  # 铝压延加工
    "3311",  # 金属结构制造
    "3312",  # 金属门窗制造 (below size)
    "3392",  # 有色金属铸造
    "3441",  # 泵及真空设备制造
    "3453",  # 齿轮及齿轮减、变速箱制造
    "3484",  # 机械零部件加工 (below size)
    "3670",  # 汽车零部件及配件制造
    "3821",  # 变压器、整流器和电感器制造
}


@pytest.fixture(scope="module")
def demo() -> DemoDistrict:
    return generate_demo(seed=2021, through=THROUGH)


def canonical(demo: DemoDistrict) -> pd.DataFrame:
    """Report lines with their quantity in the canonical unit and the year."""
    r = demo.reports.copy()
    r["q"] = r["quantity"] * r["unit"].map(TO_CANONICAL)
    r["year"] = r["period"].str[:4].astype(int)
    above = demo.enterprises.set_index("uscc")["above_designated_size"]
    r["above"] = r["uscc"].map(above).astype(bool)
    return r


def test_same_seed_same_district(demo: DemoDistrict) -> None:
    again = generate_demo(seed=2021, through=THROUGH)
    for name in ("parks", "enterprises", "reports", "certifications", "limits"):
        pd.testing.assert_frame_equal(getattr(demo, name), getattr(again, name))
    assert demo.missing == again.missing
    other = generate_demo(seed=7, through=Period(2020, 3))
    assert set(other.enterprises["uscc"]).isdisjoint(demo.enterprises["uscc"])


def test_a_shorter_run_is_a_prefix_of_a_longer_one(demo: DemoDistrict) -> None:
    short = generate_demo(seed=2021, through=Period(2023, 12))
    longer = demo.reports[demo.reports["period"] <= "2023-12"]
    # The shorter run leaves its own last month unreported for two enterprises.
    late = {p for p in short.missing if p[1] == "2023-12"}
    keep = [(u, p) not in late for u, p in zip(longer["uscc"], longer["period"], strict=True)]
    pd.testing.assert_frame_equal(
        short.reports.reset_index(drop=True), longer[keep].reset_index(drop=True)
    )


def test_through_defaults_to_the_last_full_month() -> None:
    assert last_full_month(date(2025, 3, 15)) == Period(2025, 2)
    assert last_full_month(date(2025, 1, 1)) == Period(2024, 12)
    d = generate_demo(today=date(2022, 2, 10))
    assert d.through == Period(2022, 1)
    assert d.reports["period"].max() == "2022-01"
    with pytest.raises(ValueError):
        generate_demo(through=Period(2019, 12))


def test_it_is_marked_as_demonstration_data(demo: DemoDistrict) -> None:
    assert demo.is_demo
    assert demo.enterprises["demo"].all()
    assert demo.enterprises["name"].str.contains("示范").all()
    assert demo.enterprises["name"].is_unique


def test_parks_and_towns(demo: DemoDistrict) -> None:
    parks = demo.parks.set_index("code")
    counted = set(parks.index[parks["counts_as_park"]])
    assert counted == {"QIAOHE", "BEIDU", "TONGHUI", "YONGTONG", "FUHUAN", "ANWEN"}
    assert not parks.loc[list(set(parks.index) - counted), "counts_as_park"].any()
    assert set(demo.enterprises["park_code"]) <= set(parks.index)


def _org_check(body: str) -> str:
    # GB 11714-1997: C9 = 11 − Σ(Ci × Wi) mod 11, W = 3 7 9 10 5 8 4 2; 10 → X, 11 → 0.
    w = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * k for c, k in zip(body, w, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def test_usccs_are_valid_and_unique(demo: DemoDistrict) -> None:
    codes = demo.enterprises["uscc"]
    assert codes.is_unique
    for code in codes:
        assert uscc_check.is_valid(code), code  # GB 32100-2015 check character
        assert code[:2] == "91"  # registered by market regulation, an enterprise
        assert code[2:8] in {"500110", "500222"}  # 綦江区, and the former 綦江县
        assert code[16] == _org_check(code[8:16])


def test_enterprises(demo: DemoDistrict) -> None:
    e = demo.enterprises
    above = e[e["above_designated_size"]]
    assert 55 <= len(above) <= 65
    assert 3 <= len(e) - len(above) <= 8
    assert set(e["industry_code"]) <= INDUSTRY_CLASSES
    assert {"3216", "3453", "3670", "3011", "3061", "2614", "1353"} <= set(e["industry_code"])


def test_calibration_2020_matches_the_plan(demo: DemoDistrict) -> None:
    r = canonical(demo)
    y = r[(r["year"] == 2020) & r["above"]]
    go = y[y["item"] == "gross_output_value"]
    va = y[y["item"] == "value_added"]["q"].sum()
    assert go["q"].sum() == pytest.approx(4_280_500, rel=0.005)
    assert va == pytest.approx(1_370_000, rel=0.005)
    parks = demo.parks.set_index("code")["counts_as_park"]
    park_of = demo.enterprises.set_index("uscc")["park_code"]
    in_parks = go[go["uscc"].map(park_of).map(parks).astype(bool)]["q"].sum()
    assert in_parks / go["q"].sum() == pytest.approx(0.73, abs=0.005)
    aluminium = y[y["item"] == "primary_aluminium"]["q"].sum()
    assert aluminium == pytest.approx(310_200, rel=0.005)


def test_energy_intensities_are_plausible_and_fall_gently(demo: DemoDistrict) -> None:
    r = canonical(demo)
    r = r[r["above"]]
    energy = r[r["section"] == "energy"]
    tce = (energy["q"] * energy["item"].map(TCE)).groupby(energy["year"]).sum()
    va = r[r["item"] == "value_added"].groupby("year")["q"].sum()
    intensity = tce / va
    # A heavy-industry district: about 1 tce per 万元 of value added in 2020.
    assert 0.6 < intensity[2020] < 1.6
    for a, b in zip(range(2020, 2024), range(2021, 2025), strict=True):
        assert 0.90 < intensity[b] / intensity[a] < 1.0
    # Smelters: 13,000–14,000 kWh of electricity per tonne of primary aluminium.
    al = r[r["item"] == "primary_aluminium"].groupby(["uscc", "year"])["q"].sum()
    elec = energy[energy["item"].str.startswith("electricity")].groupby(["uscc", "year"])["q"].sum()
    per_t = (elec.reindex(al.index) / al).dropna()
    assert len(per_t) > 0 and per_t.between(13_000, 14_000).all()


def test_report_rows_pass_basic_checks(demo: DemoDistrict) -> None:
    r = demo.reports
    assert tuple(r.columns) == REPORT_COLUMNS
    assert r["period"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").all()
    assert r["period"].min() == "2020-01" and r["period"].max() == str(THROUGH)
    assert set(r["section"]) == {s.value for s in Section}
    for section, items in r.groupby("section")["item"]:
        allowed = known_items(str(section))
        if allowed:
            assert set(items) <= allowed, section
    assert set(r["unit"]) <= set(TO_CANONICAL)
    assert not r.duplicated(["uscc", "period", "section", "item"]).any()
    waste = r[r["section"] == "solid_waste"]
    other = r[r["section"] != "solid_waste"]
    assert waste["quantity"].isna().all() and other[list(WASTE_COLUMNS)].isna().all().all()
    assert other["quantity"].map(math.isfinite).all() and (other["quantity"] >= 0).all()
    w = waste[list(WASTE_COLUMNS)]
    assert (w >= 0).all().all()
    # utilised + disposed + stored never exceeds generated + taken from storage.
    out = w["utilised"] + w["disposed"] + w["stored"]
    assert (out <= w["generated"] + w["from_storage"] + 1e-9).all()
    assert set(r["uscc"]) <= set(demo.enterprises["uscc"])


def test_every_month_is_reported_but_the_missing_ones(demo: DemoDistrict) -> None:
    reported = set(zip(demo.reports["uscc"], demo.reports["period"], strict=True))
    assert reported.isdisjoint(demo.missing)
    expected = set()
    for uscc, first in zip(demo.enterprises["uscc"], demo.enterprises["first_period"], strict=True):
        y, m = map(int, first.split("-"))
        expected |= {(uscc, str(p)) for p in months_between(Period(y, m), THROUGH)}
    assert expected - reported == set(demo.missing)
    # Some months long overdue, and the last month still open for two enterprises.
    assert sum(p < str(THROUGH) for _, p in demo.missing) >= 2
    assert sum(p == str(THROUGH) for _, p in demo.missing) == 2
    # At least 24 months of reports (shared/API.md, `carbon demo load`).
    assert len(months_between(Period(2020, 1), THROUGH)) >= 24


def test_certifications(demo: DemoDistrict) -> None:
    c = demo.certifications
    assert set(c["uscc"]) <= set(demo.enterprises["uscc"])
    assert set(c["kind"]) <= {"green_factory", "green_product", "green_supply_chain"}
    assert set(c["level"]) <= {"national", "municipal"}
    green = c[(c["kind"] == "green_factory") & (c["year"] >= 2021)]
    assert len(green) >= 4
    assert (c["year"] <= THROUGH.year).all()
    assert (c["year"] < 2021).any()  # one from before the plan period, which does not count


def test_some_enterprises_overrun_their_intensity_limit(demo: DemoDistrict) -> None:
    r = canonical(demo)
    energy = r[r["section"] == "energy"]
    monthly = pd.DataFrame(
        {
            "energy_tce": (energy["q"] * energy["item"].map(TCE))
            .groupby([energy["uscc"], energy["period"]])
            .sum(),
            "value_added": r[r["item"] == "value_added"].groupby(["uscc", "period"])["q"].sum(),
        }
    ).reset_index()
    yearly = (
        monthly.assign(year=monthly["period"].str[:4].astype(int))
        .groupby(["uscc", "year"])
        .agg(
            energy_tce=("energy_tce", "sum"),
            value_added=("value_added", "sum"),
            months=("period", "nunique"),
        )
        .reset_index()
    )
    limits = demo.limits.rename(columns={"quantity": "limit"})
    assert set(demo.limits["unit"]) == {"tce/万元"}
    period = Period(2023, 12)
    alerts = intensity_overruns(
        year_to_date(monthly, period), period, limits, base_intensities(yearly)
    )
    # A few, not most: the demo sets six enterprises on a rising or flat path.
    assert 3 <= len(alerts) <= 10
    assert len(alerts) < 0.2 * len(demo.enterprises)
    assert {"warning", "serious", "critical"} & set(alerts["severity"])
    assert re.fullmatch(r"\d{4}-\d{2}", alerts["period"].iloc[0])
