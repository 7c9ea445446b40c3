"""Turn report documents (a PUT body, a JSON batch, a CSV or Excel upload) into tables of lines.

Every input becomes the same two tables, as columns (a name and one value a row), so that one
code path validates and stores them all, and a PUT of a few lines builds no pandas frame:

``reports``
    One row per report, in the order they came: ``uscc`` and ``period`` as sent (lists of str).
``lines``
    One row per line (numpy arrays): ``report`` (the report's row number in ``reports``),
    ``section``,
    ``item``, ``position`` (the line's index within its section of its report), ``quantity``,
    ``unit`` and the five solid-waste columns, as sent. Numbers may still be text (from CSV);
    :func:`carbon.normalise.normalise_lines` checks them.

Each parser also says where a report field or a line field sits in the document it read, so
that errors name the JSON path (``["body", "reports", 12, "energy", 0, "unit"]``) or the
spreadsheet row (``["body", "row", 7, "unit"]``: row 1 is the header, as Excel numbers them).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import ValidationError

from api.reports.schemas import BATCH_ADAPTER, ReportIn
from carbon.catalog import WASTE_COLUMNS, Section
from carbon.errors import InvalidInput, Loc, ValidationFailed

LINE_COLUMNS: tuple[str, ...] = (
    "report",
    "section",
    "item",
    "position",
    "quantity",
    "unit",
    *WASTE_COLUMNS,
)
SECTION_ORDER: tuple[str, ...] = tuple(s.value for s in Section)
ITEM_FIELD: dict[str, str] = {
    Section.ENERGY: "carrier",
    Section.WATER: "kind",
    Section.SOLID_WASTE: "category",
    Section.PRODUCTION: "product",
}
ECONOMICS_ITEMS: tuple[str, ...] = ("gross_output_value", "value_added")

#: Columns of a CSV or Excel upload; the first six are required.
UPLOAD_COLUMNS: tuple[str, ...] = (
    "uscc",
    "period",
    "section",
    "item",
    "quantity",
    "unit",
    *WASTE_COLUMNS,
)
REQUIRED_UPLOAD_COLUMNS: tuple[str, ...] = UPLOAD_COLUMNS[:6]
UNIT_MAX = 32
MAX_LISTED_ERRORS = 100

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_TYPES = frozenset({"application/json"})


#: Report lines as columns: :data:`LINE_COLUMNS`, one numpy array each.
Lines = dict[str, npt.NDArray[Any]]


@dataclass
class Parsed:
    """Reports and their lines, with the way back from a row to the place in the document."""

    reports: dict[str, list[str]]
    lines: Lines
    report_loc: Callable[[int, str | None], Loc]
    line_loc: Callable[[int, str], Loc]
    errors: list[InvalidInput] = field(default_factory=list)
    """Errors the parser found in rows it could still read; reported with all the others."""


def _row_of(err: InvalidInput) -> int:
    loc = err.loc
    return int(loc[2]) if len(loc) > 2 and loc[1] == "row" and isinstance(loc[2], int) else 0


def fail(errors: Sequence[InvalidInput]) -> ValidationFailed:
    """A :class:`ValidationFailed` listing at most :data:`MAX_LISTED_ERRORS` of ``errors``.

    Errors that name an upload row are listed in row order.
    """
    ordered = sorted(errors, key=_row_of)
    listed = ordered[:MAX_LISTED_ERRORS]
    if len(errors) > MAX_LISTED_ERRORS:
        more = len(errors) - MAX_LISTED_ERRORS
        listed.append(InvalidInput(f"... and {more} more errors not listed", ("body",)))
    return ValidationFailed(listed)


# --- JSON documents ---------------------------------------------------------------------------


def flatten(bodies: Sequence[ReportIn]) -> Lines:
    """The lines of validated report bodies, one row each (see the module docstring)."""
    report: list[int] = []
    section: list[str] = []
    item: list[str] = []
    position: list[int] = []
    quantity: list[float] = []
    unit: list[str] = []
    waste: list[tuple[float, ...]] = []
    nan = float("nan")
    no_waste = (nan,) * len(WASTE_COLUMNS)

    for r, body in enumerate(bodies):
        for name, key in (
            ("energy", "carrier"),
            ("water", "kind"),
            ("production", "product"),
        ):
            got: list[Any] = body.get(name) or []  # type: ignore[assignment]
            n = len(got)
            if not n:
                continue
            report.extend([r] * n)
            section.extend([name] * n)
            position.extend(range(n))
            for line in got:
                item.append(line[key])
                quantity.append(line["quantity"])
                unit.append(line["unit"])
            waste.extend([no_waste] * n)
        for pos, w in enumerate(body.get("solid_waste") or []):
            report.append(r)
            section.append("solid_waste")
            position.append(pos)
            item.append(w["category"])
            quantity.append(nan)
            unit.append(w["unit"])
            waste.append(
                (
                    w["generated"],
                    w.get("from_storage", 0.0),
                    w.get("utilised", 0.0),
                    w.get("disposed", 0.0),
                    w.get("stored", 0.0),
                )
            )
        economics: dict[str, Any] = dict(body.get("economics") or {})
        pos = 0
        for name in ECONOMICS_ITEMS:
            amount = economics.get(name)
            if amount is not None:
                report.append(r)
                section.append("economics")
                position.append(pos)
                item.append(name)
                quantity.append(amount["quantity"])
                unit.append(amount["unit"])
                waste.append(no_waste)
                pos += 1
    amounts = np.asarray(waste, dtype=np.float64).reshape(len(waste), len(WASTE_COLUMNS))
    return {
        "report": np.asarray(report, dtype=np.int64),
        "section": np.asarray(section, dtype=object),
        "item": np.asarray(item, dtype=object),
        "position": np.asarray(position, dtype=np.int64),
        "quantity": np.asarray(quantity, dtype=np.float64),
        "unit": np.asarray(unit, dtype=object),
        **{name: amounts[:, j] for j, name in enumerate(WASTE_COLUMNS)},
    }


def _json_line_loc(lines: Lines, prefix: Callable[[int], Loc]) -> Callable[[int, str], Loc]:
    reports = lines["report"]
    sections = lines["section"]
    items = lines["item"]
    positions = lines["position"]

    def loc(label: int, field: str) -> Loc:
        base = prefix(int(reports[label]))
        section = str(sections[label])
        if section == Section.ECONOMICS:
            where: Loc = (*base, "economics", str(items[label]))
            return where if field == "item" else (*where, field)
        name = ITEM_FIELD.get(section, field) if field == "item" else field
        return (*base, section, int(positions[label]), name)

    return loc


def parse_put(body: ReportIn, uscc: str, period: str) -> Parsed:
    """One report from a PUT: lines at ``["body", <section>, <i>, <field>]``."""
    lines = flatten([body])
    reports = {"uscc": [uscc], "period": [period]}

    def report_loc(_: int, field: str | None) -> Loc:
        if field in ("period", "uscc"):
            return ("path", field)
        return ("body",)

    return Parsed(reports, lines, report_loc, _json_line_loc(lines, lambda _: ("body",)))


def _validation_errors(exc: ValidationError, prefix: Loc) -> list[InvalidInput]:
    return [
        InvalidInput(str(e.get("msg", "invalid value")), (*prefix, *e.get("loc", ())))
        for e in exc.errors(include_url=False)
    ]


def parse_json_batch(raw: bytes) -> Parsed:
    """A JSON batch ``{"reports": [{"uscc", "period", ...a report body}]}``.

    Raises
    ------
    ValidationFailed
        If the document is not valid JSON of that shape (NaN and Infinity literals included).
    """
    if not raw.strip():
        raise ValidationFailed([InvalidInput("the batch is empty", ("body",))])
    try:
        batch = BATCH_ADAPTER.validate_json(raw)
    except ValidationError as exc:
        raise fail(_validation_errors(exc, ("body",))) from None
    if not batch["reports"]:
        raise ValidationFailed([InvalidInput("the batch holds no reports", ("body", "reports"))])
    lines = flatten(batch["reports"])
    reports = {
        "uscc": [r["uscc"] for r in batch["reports"]],
        "period": [r["period"] for r in batch["reports"]],
    }

    def prefix(r: int) -> Loc:
        return ("body", "reports", r)

    def report_loc(r: int, field: str | None) -> Loc:
        return prefix(r) if field is None else (*prefix(r), field)

    return Parsed(reports, lines, report_loc, _json_line_loc(lines, prefix))


# --- CSV and Excel ----------------------------------------------------------------------------


def _decode(raw: bytes, charset: str | None) -> str:
    """Text of an upload: the declared charset, else UTF-8 (with or without BOM), else GB18030.

    Excel on Chinese Windows saves "CSV" in GB18030/GBK, so that is the fallback.
    """
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            raise ValidationFailed(
                [InvalidInput(f"unknown charset {charset!r}", ("header", "content-type"))]
            ) from None
        try:
            return raw.decode(charset)
        except UnicodeDecodeError as exc:
            raise ValidationFailed(
                [InvalidInput(f"the file is not valid {charset}: {exc.reason}", ("body",))]
            ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ValidationFailed(
            [InvalidInput("the file is neither UTF-8 nor GB18030 text", ("body",))]
        ) from None


def _table_from_rows(
    header: Sequence[object], rows: pd.DataFrame, row_numbers: np.ndarray
) -> Parsed:
    """Reports and lines from an upload's cells (all text, stripped; "" when empty)."""
    names = [str(h).strip().casefold() if h is not None else "" for h in header]
    errors: list[InvalidInput] = []
    for i, name in enumerate(names):
        if name not in UPLOAD_COLUMNS:
            shown = name or f"(column {i + 1} has no name)"
            errors.append(
                InvalidInput(
                    f"unknown column {shown!r}; expected {', '.join(UPLOAD_COLUMNS)}",
                    ("body", "row", 1, shown),
                )
            )
    seen = set()
    for name in names:
        if name in seen and name in UPLOAD_COLUMNS:
            errors.append(InvalidInput(f"column {name!r} appears twice", ("body", "row", 1, name)))
        seen.add(name)
    for name in REQUIRED_UPLOAD_COLUMNS:
        if name not in names:
            errors.append(InvalidInput(f"column {name!r} is missing", ("body", "row", 1, name)))
    if errors:
        raise fail(errors)
    rows.columns = pd.Index(names)
    for name in UPLOAD_COLUMNS:
        if name not in rows.columns:
            rows[name] = ""

    filled = (rows[list(UPLOAD_COLUMNS)] != "").any(axis=1).to_numpy()
    rows = rows.loc[filled].reset_index(drop=True)
    row_numbers = row_numbers[filled]
    if rows.empty:
        raise ValidationFailed([InvalidInput("the file holds no lines", ("body",))])

    def at(i: int, field: str) -> Loc:
        return ("body", "row", int(row_numbers[i]), field)

    section = rows["section"].str.casefold()
    is_waste = (section == Section.SOLID_WASTE).to_numpy()
    quantity_given = (rows["quantity"] != "").to_numpy()
    waste_given = (rows[list(WASTE_COLUMNS)] != "").to_numpy()
    for i in np.flatnonzero(is_waste & quantity_given).tolist():
        errors.append(
            InvalidInput(
                "a solid_waste row states generated, from_storage ..., not quantity",
                at(i, "quantity"),
            )
        )
    for i, j in zip(*np.nonzero(~is_waste[:, None] & waste_given), strict=True):
        errors.append(
            InvalidInput(
                f"{WASTE_COLUMNS[j]} is only for solid_waste rows", at(int(i), WASTE_COLUMNS[j])
            )
        )
    for i in np.flatnonzero((rows["unit"].str.len() > UNIT_MAX).to_numpy()).tolist():
        errors.append(InvalidInput(f"unit is longer than {UNIT_MAX} characters", at(i, "unit")))
    economics = (section == Section.ECONOMICS).to_numpy()
    key = rows["uscc"].str.upper() + "\x1f" + rows["period"]
    item = rows["item"].where(section == Section.PRODUCTION, rows["item"].str.casefold())
    twice = economics & pd.DataFrame({"k": key, "s": section, "i": item}).duplicated().to_numpy()
    for i in np.flatnonzero(twice).tolist():
        errors.append(
            InvalidInput(f"{rows['item'][i]} is stated twice for this report", at(i, "item"))
        )

    report_codes, keys = pd.factorize(key, sort=False)
    first_row = np.full(len(keys), -1, dtype=np.int64)
    first_row[report_codes[::-1]] = np.arange(len(report_codes) - 1, -1, -1)
    reports = {
        "uscc": [str(u) for u in rows["uscc"].to_numpy()[first_row].tolist()],
        "period": [str(p) for p in rows["period"].to_numpy()[first_row].tolist()],
    }

    def blank_to_nan(name: str) -> pd.Series:
        column = rows[name]
        return column.where(column != "", None)

    lines = pd.DataFrame(
        {
            "report": report_codes.astype(np.int64),
            "section": section,
            "item": item,
            "position": 0,
            "quantity": blank_to_nan("quantity"),
            "unit": rows["unit"],
            **{name: blank_to_nan(name) for name in WASTE_COLUMNS},
        }
    )
    lines["position"] = lines.groupby(["report", "section"], sort=False).cumcount().astype(np.int64)
    columns: Lines = {
        name: lines[name].to_numpy(dtype=np.int64 if name in ("report", "position") else object)
        for name in LINE_COLUMNS
    }

    def report_loc(r: int, field: str | None) -> Loc:
        return at(int(first_row[r]), field or "uscc")

    return Parsed(reports, columns, report_loc, at, errors)


def parse_csv(raw: bytes, charset: str | None = None) -> Parsed:
    """A CSV upload, one row a line; the header names the columns (:data:`UPLOAD_COLUMNS`).

    Raises
    ------
    ValidationFailed
        If the file cannot be read as CSV, or its header or rows are malformed.
    """
    text = _decode(raw, charset)
    if not text.strip():
        raise ValidationFailed([InvalidInput("the file is empty", ("body",))])
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            header=None,
            engine="c",
        )
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise ValidationFailed(
            [InvalidInput(f"not a readable CSV file: {exc}", ("body",))]
        ) from None
    header = [str(v) for v in frame.iloc[0].tolist()]
    rows = frame.iloc[1:].reset_index(drop=True)
    for name in rows.columns:
        rows[name] = rows[name].astype("str").str.strip()
    numbers = np.arange(2, len(rows) + 2)
    return _table_from_rows(header, rows, numbers)


def _cell_text(value: object, *, is_period: bool) -> str:
    if value is None:
        return ""
    if is_period and isinstance(value, datetime | date):
        # Excel turns "2024-05" typed into a cell into 1 May 2024.
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


MAX_XLSX_EXPANDED = 512 * 1024 * 1024
"""Largest total size of a workbook's parts once unzipped [bytes]: a 100,000-line workbook
expands to about 23 MB."""
MAX_XLSX_RATIO = 100
"""Largest compression ratio of a part over 4 MiB: Excel's XML compresses about 10 to 1; a
zip bomb, a thousand to one."""


def _check_archive(raw: bytes) -> None:
    """Refuse a workbook that would unzip into far more than it holds (a zip bomb)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationFailed(
            [InvalidInput(f"not a readable .xlsx workbook: {exc}", ("body",))]
        ) from None
    total = sum(p.file_size for p in parts)
    bomb = [
        p.filename
        for p in parts
        if p.file_size > 4 * 1024 * 1024 and p.file_size > MAX_XLSX_RATIO * max(p.compress_size, 1)
    ]
    if total > MAX_XLSX_EXPANDED or bomb:
        raise ValidationFailed(
            [
                InvalidInput(
                    f"the workbook unzips to {total} bytes"
                    + (f" ({', '.join(bomb)} over {MAX_XLSX_RATIO}:1)" if bomb else "")
                    + f"; at most {MAX_XLSX_EXPANDED} bytes and {MAX_XLSX_RATIO}:1 are read",
                    ("body",),
                )
            ]
        )


def parse_xlsx(raw: bytes) -> Parsed:
    """An Excel workbook (.xlsx): its first sheet, laid out as the CSV upload.

    Formulas are never evaluated: a formula cell reads as its formula text (``=A2*10``), which
    is refused where a number is due. A workbook that unzips to far more than it holds, or
    whose XML declares entities, is refused before its rows are read.

    Raises
    ------
    ValidationFailed
        If the file is not an .xlsx workbook, or its header or rows are malformed.
    """
    import zlib
    from xml.etree.ElementTree import ParseError
    from zipfile import BadZipFile

    import openpyxl

    _check_archive(raw)
    unreadable = (BadZipFile, KeyError, OSError, ParseError, EOFError, zlib.error)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except (*unreadable, ValueError) as exc:
        raise ValidationFailed(
            [InvalidInput(f"not a readable .xlsx workbook: {exc}", ("body",))]
        ) from None
    try:
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise ValidationFailed([InvalidInput("the workbook's first sheet is empty", ("body",))])
        period_col = [
            i
            for i, h in enumerate(header)
            if isinstance(h, str) and h.strip().casefold() == "period"
        ]
        width = len(header)
        cells: list[list[str]] = []
        numbers: list[int] = []
        for number, row in enumerate(it, start=2):
            if row is None or all(v is None or v == "" for v in row):
                continue
            values = [_cell_text(v, is_period=i in period_col) for i, v in enumerate(row[:width])]
            values += [""] * (width - len(values))
            if any(v not in (None, "") for v in row[width:]):
                raise ValidationFailed(
                    [
                        InvalidInput(
                            "this row has cells beyond the header's columns",
                            ("body", "row", number),
                        )
                    ]
                )
            cells.append(values)
            numbers.append(number)
    except ValidationFailed:
        raise
    except (*unreadable, ValueError) as exc:  # malformed XML, entities (defusedxml) ...
        raise ValidationFailed(
            [InvalidInput(f"not a readable .xlsx workbook: {exc}", ("body",))]
        ) from None
    finally:
        book.close()
    rows = (
        pd.DataFrame(cells, columns=range(width), dtype="str")
        if cells
        else pd.DataFrame(columns=range(width), dtype="str")
    )
    return _table_from_rows(list(header), rows, np.asarray(numbers, dtype=np.int64))


# --- templates --------------------------------------------------------------------------------

TEMPLATE_ROWS: tuple[tuple[str, ...], ...] = (
    ("91500110MA5U5K7X4K", "2024-05", "energy", "electricity_grid", "125.6", "万千瓦时"),
    ("91500110MA5U5K7X4K", "2024-05", "energy", "natural_gas", "3.2", "万立方米"),
    ("91500110MA5U5K7X4K", "2024-05", "water", "fresh_withdrawal", "1200", "m3"),
    (
        "91500110MA5U5K7X4K",
        "2024-05",
        "solid_waste",
        "fly_ash",
        "",
        "t",
        "120",
        "0",
        "100",
        "20",
        "0",
    ),
    ("91500110MA5U5K7X4K", "2024-05", "production", "primary_aluminium", "2500", "t"),
    ("91500110MA5U5K7X4K", "2024-05", "economics", "gross_output_value", "15000", "万元"),
    ("91500110MA5U5K7X4K", "2024-05", "economics", "value_added", "3000", "万元"),
)


def _template_rows() -> list[list[str]]:
    width = len(UPLOAD_COLUMNS)
    return [list(UPLOAD_COLUMNS)] + [[*row, *([""] * (width - len(row)))] for row in TEMPLATE_ROWS]


def template_csv() -> bytes:
    """A CSV upload template: the header and one example month (UTF-8 with a BOM, for Excel)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(_template_rows())
    return ("\ufeff" + out.getvalue()).encode()


def template_xlsx() -> bytes:
    """An Excel upload template; every cell is text, so Excel keeps ``2024-05`` a month."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "reports"
    numeric = {"quantity", *WASTE_COLUMNS}
    for r, row in enumerate(_template_rows(), start=1):
        for c, (name, value) in enumerate(zip(UPLOAD_COLUMNS, row, strict=True), start=1):
            cell = sheet.cell(row=r, column=c)
            if r > 1 and name in numeric and value:
                cell.value = float(value)
            else:
                cell.value = value
                cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
