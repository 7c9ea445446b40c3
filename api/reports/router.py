"""HTTP routes of monthly reports, batch imports and data quality."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import TypeAdapter
from starlette.datastructures import UploadFile

from api.clock import district_today
from api.deps import MAX_INT, CurrentPrincipal, HandlerRoute, SessionDep, SettingsDep, in_thread
from api.openapi import READ_ERRORS, WRITE_ERRORS, Problem
from api.reports import service
from api.reports.parsing import (
    CSV_TYPES,
    JSON_TYPES,
    UPLOAD_COLUMNS,
    XLSX_TYPE,
    Parsed,
    parse_csv,
    parse_json_batch,
    parse_xlsx,
    template_csv,
    template_xlsx,
)
from api.reports.schemas import (
    EXAMPLE_BODY,
    BatchOut,
    BatchReportIn,
    DataQualityOut,
    ReportIn,
    ReportOut,
)
from api.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["reports"], route_class=HandlerRoute)

USCC = Annotated[str, Path(description="The enterprise's USCC", examples=["91500110MA5U5K7X4K"])]
PERIOD = Annotated[str, Path(description="The month, YYYY-MM", examples=["2024-05"])]
YEAR = Annotated[int, Query(ge=1900, le=2999, description="Calendar year", examples=[2024])]


def _location(uscc: str, period: str, revision: int) -> str:
    return f"/api/v1/enterprises/{uscc}/reports/{period}/revisions/{revision}"


@router.put(
    "/enterprises/{uscc}/reports/{period}",
    response_model=ReportOut,
    status_code=status.HTTP_200_OK,
    responses={
        **WRITE_ERRORS,
        201: {"model": ReportOut, "description": "The month's first revision"},
        200: {"description": "A later revision of the month"},
    },
    summary="Submit a month's report (a new revision)",
)
def put_report(
    uscc: USCC,
    period: PERIOD,
    body: ReportIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    response: Response,
) -> ReportOut:
    """Store the whole month as its next revision; earlier revisions stay readable.

    Every line is answered as sent plus its `canonical_quantity` and `canonical_unit`.
    201 for the month's first revision, 200 for a later one.
    """
    today = district_today(settings)
    out = service.submit_report(session, principal, uscc, period, body, today=today)
    if out.revision == 1:
        response.status_code = status.HTTP_201_CREATED
    response.headers["Location"] = _location(out.uscc, out.period, out.revision)
    return out


@router.get(
    "/enterprises/{uscc}/reports/{period}",
    response_model=ReportOut,
    responses=READ_ERRORS,
    summary="Read a month's latest revision",
)
def get_report(
    uscc: USCC, period: PERIOD, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    return json_answer(service.read_latest(session, principal, uscc, period))


@router.get(
    "/enterprises/{uscc}/reports/{period}/revisions",
    response_model=list[ReportOut],
    responses=READ_ERRORS,
    summary="Read every revision of a month, oldest first",
)
def list_revisions(
    uscc: USCC, period: PERIOD, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    return json_answer(service.read_revisions(session, principal, uscc, period))


@router.get(
    "/enterprises/{uscc}/reports/{period}/revisions/{revision}",
    response_model=ReportOut,
    responses=READ_ERRORS,
    summary="Read one revision of a month, exactly as it was submitted",
)
def get_revision(
    uscc: USCC,
    period: PERIOD,
    revision: Annotated[int, Path(ge=1, le=MAX_INT, description="Revision number, from 1")],
    session: SessionDep,
    principal: CurrentPrincipal,
) -> Response:
    return json_answer(service.read_revision(session, principal, uscc, period, revision))


@router.get(
    "/enterprises/{uscc}/reports",
    response_model=list[ReportOut],
    responses=READ_ERRORS,
    summary="List the latest revision of each month in a range",
)
def list_reports(
    uscc: USCC,
    session: SessionDep,
    principal: CurrentPrincipal,
    period_from: Annotated[
        str | None, Query(alias="from", description="First month, YYYY-MM", examples=["2024-01"])
    ] = None,
    period_to: Annotated[
        str | None, Query(alias="to", description="Last month, YYYY-MM", examples=["2024-12"])
    ] = None,
) -> Response:
    """Months with no report are left out; each month appears once, with its latest revision."""
    return json_answer(service.read_range(session, principal, uscc, period_from, period_to))


# --- batch ------------------------------------------------------------------------------------


@dataclass
class Upload:
    media_type: str
    charset: str | None
    raw: bytes


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    if not content_type:
        return "", None
    parts = [p.strip() for p in content_type.split(";")]
    charset = None
    for p in parts[1:]:
        if p.lower().startswith("charset="):
            charset = p.split("=", 1)[1].strip().strip('"') or None
    return parts[0].lower(), charset


def _by_extension(filename: str | None) -> str:
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return "text/csv"
    if name.endswith(".xlsx"):
        return XLSX_TYPE
    if name.endswith(".json"):
        return "application/json"
    return ""


async def read_upload(request: Request) -> Upload:
    """The batch document: the raw body, or the ``file`` part of a multipart form."""
    media_type, charset = _media_type(request.headers.get("content-type"))
    if media_type == "multipart/form-data":
        form = await request.form()
        part = form.get("file")
        if not isinstance(part, UploadFile):
            await form.close()
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "a multipart upload needs the document in a part named 'file'",
            )
        part_type, part_charset = _media_type(part.content_type)
        if part_type in ("", "application/octet-stream"):
            part_type = _by_extension(part.filename)
        raw = await part.read()
        await form.close()
        return Upload(part_type, part_charset, raw)
    return Upload(media_type, charset, await request.body())


UploadDep = Annotated[Upload, Depends(read_upload)]


def _parse(upload: Upload) -> Parsed:
    media = upload.media_type
    if media in JSON_TYPES or media.endswith("+json"):
        return parse_json_batch(upload.raw)
    if media in CSV_TYPES:
        return parse_csv(upload.raw, upload.charset)
    if media == XLSX_TYPE:
        return parse_xlsx(upload.raw)
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        f"unsupported media type {media or '(none)'!r}: send application/json, text/csv, "
        f"{XLSX_TYPE}, or multipart/form-data with a 'file' part",
    )


_REPORT_SCHEMA = TypeAdapter(BatchReportIn).json_schema(ref_template="#/components/schemas/{model}")
_REPORT_SCHEMA.pop("$defs", None)
_CSV_EXAMPLE = (
    ",".join(UPLOAD_COLUMNS)
    + "\n91500110MA5U5K7X4K,2024-05,energy,electricity_grid,125.6,万千瓦时,,,,,"
    + "\n91500110MA5U5K7X4K,2024-05,water,fresh_withdrawal,1200,m3,,,,,"
    + "\n91500110MA5U5K7X4K,2024-05,solid_waste,fly_ash,,t,120,0,100,20,0"
    + "\n91500110MA5U5K7X4K,2024-05,economics,value_added,3000,万元,,,,,\n"
)
_BATCH_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"reports": {"type": "array", "items": _REPORT_SCHEMA}},
                "required": ["reports"],
                "additionalProperties": False,
            },
            "example": {
                "reports": [{"uscc": "91500110MA5U5K7X4K", "period": "2024-05", **EXAMPLE_BODY}]
            },
        },
        "text/csv": {
            "schema": {"type": "string", "description": "UTF-8 (BOM allowed) or GB18030"},
            "example": _CSV_EXAMPLE,
        },
        XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}


@router.post(
    "/reports/batch",
    response_model=BatchOut,
    status_code=status.HTTP_200_OK,
    responses={
        **WRITE_ERRORS,
        415: {
            "model": Problem,
            "description": "Not JSON, CSV, XLSX or a multipart upload",
            "content": {"application/problem+json": {}},
        },
    },
    openapi_extra={"requestBody": _BATCH_BODY},
    summary="Import many reports at once (JSON, CSV or Excel), all or nothing",
)
@in_thread
def import_batch(
    upload: UploadDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> BatchOut:
    """Each report becomes a new revision of its month, exactly as a PUT would make it.

    JSON: `{"reports": [{"uscc", "period", ...a report body}]}`. CSV or Excel (first sheet):
    one row a line, a header naming the columns `uscc, period, section, item, quantity, unit,
    generated, from_storage, utilised, disposed, stored` (economics rows: `item` is
    `gross_output_value` or `value_added`; solid-waste rows leave `quantity` empty and fill the
    five waste columns). Rows of one `uscc` and `period` make one report. Send the file as the
    raw body with its content type, or as the `file` part of a multipart form.

    Any bad report refuses the whole batch: 422 whose `errors` name the report
    (`["body", "reports", 12, "energy", 0, "unit"]`) or the spreadsheet row
    (`["body", "row", 7, "unit"]`, the header being row 1); 403 naming the reports whose
    enterprise is outside the caller's scope.
    """
    parsed = _parse(upload)
    today = district_today(settings)
    stored = service.import_batch(session, principal, parsed, today=today)
    assert stored.batch_id is not None
    return BatchOut(
        reports=stored.reports,
        lines=stored.lines,
        batch_id=stored.batch_id,
        submitted_at=stored.submitted_at,
    )


@router.get(
    "/reports/batch/template",
    responses={
        **READ_ERRORS,
        200: {
            "description": "A template with the columns and one example month",
            "content": {"text/csv": {"example": _CSV_EXAMPLE}, XLSX_TYPE: {}},
        },
    },
    response_class=Response,
    summary="Download a CSV or Excel template for batch imports",
)
def batch_template(
    principal: CurrentPrincipal,
    format: Annotated[Literal["csv", "xlsx"], Query(description="csv or xlsx")] = "csv",
) -> Response:
    """The upload's columns and an example month; fill it in and POST it to the batch import."""
    if format == "xlsx":
        return Response(
            template_xlsx(),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": 'attachment; filename="reports-template.xlsx"'},
        )
    return Response(
        template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="reports-template.csv"'},
    )


# --- data quality -----------------------------------------------------------------------------


@router.get(
    "/enterprises/{uscc}/data-quality",
    response_model=DataQualityOut,
    responses=READ_ERRORS,
    summary="Months missing and months far from the enterprise's median, for one year",
)
def enterprise_data_quality(
    uscc: USCC, year: YEAR, session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep
) -> DataQualityOut:
    today = district_today(settings)
    return service.enterprise_quality(session, principal, uscc, year, today=today)


@router.get(
    "/data-quality",
    response_model=list[DataQualityOut],
    responses=READ_ERRORS,
    summary="Data quality of every enterprise in the caller's scope, for one year",
)
@in_thread
def data_quality(
    year: YEAR,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    park: Annotated[str | None, Query(description="Only this park's enterprises")] = None,
) -> list[DataQualityOut]:
    """Missing months are those that have ended (district time) with no report. Anomalies are
    months whose energy carrier or fresh-water total is above 3× or below 1/3 of the
    enterprise's median month of the year (at least 3 reported months)."""
    today = district_today(settings)
    return service.district_quality(session, principal, year, park_code=park, today=today)
