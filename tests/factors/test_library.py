"""The factor library: every file loads, every unit parses, ids are unique, every row sourced."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import globalwarmingpotentials
import pytest
import yaml

from carbon.errors import FactorNotFoundError, ValidationFailed
from carbon.factors import KIND_UNITS, FactorSet, canonical_unit
from carbon.units import conversion_factor, parse_unit
from factors import COLUMNS, FACTORS_DIR, SOURCE_KEYS, edition_dirs, load_factor_set

EDITIONS = edition_dirs(FACTORS_DIR)


def _rows(edition: Path) -> list[dict[str, str]]:
    with (edition / "factors.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_library_loads_and_is_cached() -> None:
    fs = load_factor_set()
    assert isinstance(fs, FactorSet)
    assert len(fs) == sum(len(_rows(e)) for e in EDITIONS)
    assert load_factor_set() is fs


def test_every_source_folder_has_editions() -> None:
    sources = {e.parent.name for e in EDITIONS}
    assert {
        "gbt2589",
        "cec_coal_per_kwh",
        "mee_grid",
        "mee_reporting",
        "ndrc_aluminium",
        "mee_aluminium",
        "ndrc_public_buildings",
        "ipcc2006",
    } <= sources
    assert "plans" not in sources


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_source_yaml_is_complete(edition: Path) -> None:
    meta = yaml.safe_load((edition / "source.yaml").read_text(encoding="utf-8"))
    for key in SOURCE_KEYS:
        assert str(meta.get(key) or "").strip(), f"{edition}/source.yaml lacks {key}"
    assert str(meta["edition"]) == edition.name


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_row_is_sourced_and_its_unit_converts(edition: Path) -> None:
    with (edition / "factors.csv").open(encoding="utf-8", newline="") as fh:
        assert tuple(csv.DictReader(fh).fieldnames or ()) == COLUMNS
    for row in _rows(edition):
        assert row["reference"].strip(), row["id"]
        assert row["id"].startswith(f"{edition.parent.name}-{edition.name}:")
        assert row["kind"] in KIND_UNITS
        parse_unit(row["unit"])  # raises on a unit the registry does not know
        target = canonical_unit(row["kind"], row["activity"])
        assert conversion_factor(row["unit"], target) > 0
        float(row["value"])
        if row["year_from"] and row["year_to"]:
            assert int(row["year_from"]) <= int(row["year_to"]), row["id"]


def test_ids_are_unique_across_the_library() -> None:
    ids = [row["id"] for e in EDITIONS for row in _rows(e)]
    assert len(ids) == len(set(ids))


def test_every_factor_knows_its_publication() -> None:
    for f in load_factor_set():
        assert f.publisher and f.title and f.url, f.id
        assert f.origin is not None and f.origin.confirmed


def _copy_library(tmp_path: Path, *names: str) -> Path:
    for name in names:
        shutil.copytree(FACTORS_DIR / name, tmp_path / name)
    return tmp_path


def test_loader_names_every_problem(tmp_path: Path) -> None:
    root = _copy_library(tmp_path, "ipcc2006")
    path = root / "ipcc2006" / "2006" / "factors.csv"
    rows = _rows(root / "ipcc2006" / "2006")
    rows[0]["unit"] = "furlong"  # not a unit
    rows[1]["reference"] = ""  # no source reference
    rows[2]["value"] = "n/a"  # not a number
    rows[3]["year_from"], rows[3]["year_to"] = "2023", "2021"
    rows[4]["id"] = rows[5]["id"]  # duplicate id
    rows[6]["unit"] = "kWh"  # wrong dimension for an NCV
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValidationFailed) as info:
        load_factor_set(root)
    columns = sorted(str(e.loc[-1]) for e in info.value.errors)
    assert columns == ["id", "reference", "unit", "unit", "value", "year_from"]
    assert all(str(e.loc[0]).startswith("ipcc2006/2006") for e in info.value.errors)


def test_loader_refuses_an_incomplete_source_yaml(tmp_path: Path) -> None:
    root = _copy_library(tmp_path, "mee_reporting")
    meta_path = root / "mee_reporting" / "2023" / "source.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    del meta["url"]
    meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationFailed, match="url"):
        load_factor_set(root)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the package's own open_text call
def test_gwp_sets_come_from_the_package_unchanged() -> None:
    frame = globalwarmingpotentials.as_frame()
    fs = load_factor_set()
    for name, column in (("SAR", "SARGWP100"), ("AR4", "AR4GWP100"), ("AR5", "AR5GWP100")):
        for gas in ("CH4", "N2O", "CF4", "C2F6", "SF6"):
            assert fs.gwp(name)[gas] == frame.loc[gas, column]
    assert fs.gwp("AR6")["CF4"] == frame.loc["CF4", "AR6GWP100"]
    # IPCC AR5 WG1 Ch. 8 Table 8.A.1: CF4 6630, C2F6 11100 (DOMAIN.md).
    assert fs.gwp("AR5")["CF4"] == 6630
    assert fs.gwp("AR5")["C2F6"] == 11100
    assert fs.gwp("AR5")["CO2"] == 1
    assert "Feb 16 2016" in fs.gwp("AR5").reference.replace("%20", " ")


def test_selection_falls_back_to_the_latest_earlier_year_and_says_so() -> None:
    fs = load_factor_set()
    # Chongqing has MEE/NBS factors for 2021 and 2022 only.
    on_time = fs.select("grid_average", "electricity", "CN-CQ", 2022)
    assert (on_time.factor.value, on_time.provisional) == (0.5227, False)
    late = fs.select("grid_average", "electricity", "CN-CQ", 2024)
    assert (late.factor.id, late.provisional) == ("mee_grid-2022:grid_average:CN-CQ", True)
    # Before the first published year: the earliest one, also provisional.
    early = fs.select("grid_average", "electricity", "CN", 2020)
    assert (early.factor.value, early.provisional) == (0.5568, True)
    with pytest.raises(FactorNotFoundError):
        fs.select("grid_average", "electricity", "CN-XZ", 2022)


def test_selection_for_a_column_of_years() -> None:
    fs = load_factor_set()
    chosen, provisional = fs.select_years("grid_average", "electricity", "CN", [2023, 2021, 2025])
    # MEE/NBS national averages: 2023 0.5306, 2021 0.5568; 2025 falls back to 2023.
    assert [f.value if f else None for f in chosen] == [0.5306, 0.5568, 0.5306]
    assert provisional.tolist() == [False, False, True]
