"""What an attacker tries: guessing tokens, huge or endless bodies, hostile spreadsheets,
formulas smuggled into exports, and fishing for tokens in the logs."""

from __future__ import annotations

import csv
import io
import json
import logging
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.auth.ratelimit import FailureLimiter
from api.cli import app as cli
from api.main import create_app
from api.settings import Settings, get_settings
from tests.hardening.routes import api_operations
from tests.hardening.seed import report
from tests.world import World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _revisions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM report_revisions")).scalar_one())


# --- authentication failures ------------------------------------------------------------------


def test_repeated_bad_tokens_are_refused_with_429_per_client(
    database_url: str, world: World
) -> None:
    app = create_app(Settings(database_url=database_url, auth_failure_limit=3), world.engine)
    attacker = TestClient(app, client=("203.0.113.7", 50000))
    other = TestClient(app, client=("198.51.100.2", 50000))
    good = world.headers("admin")
    key_id = world.tokens["admin"].split("_")[1]
    guesses = [f"ck_{key_id}_{'x' * 43}", "ck_000000000000_nope", "not-a-token"]
    for guess in guesses:
        r = attacker.get("/api/v1/parks", headers={"Authorization": f"Bearer {guess}"})
        assert r.status_code == 401
    # The fourth failure in a minute: 429, and the right token does not help that client.
    r = attacker.get("/api/v1/parks", headers={"Authorization": "Bearer ck_x_y"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
    assert r.headers["content-type"] == "application/problem+json"
    assert attacker.get("/api/v1/parks", headers=good).status_code == 429
    # Another client is not blocked by the first one's failures.
    assert other.get("/api/v1/parks", headers=good).status_code == 200


def test_the_failure_table_forgets_clients_whose_failures_expired() -> None:
    limiter = FailureLimiter(limit=2, window=0.0)
    for n in range(1000):
        limiter.record(f"10.0.{n // 256}.{n % 256}")
        assert not limiter.blocked(f"10.1.{n // 256}.{n % 256}")
    limiter.blocked("10.9.9.9")
    assert limiter.tracked() <= 1


def test_a_revoked_token_stops_working_within_the_cache_time(
    database_url: str, world: World
) -> None:
    """Verified tokens are trusted for ``token_cache_seconds`` without a lookup; revocation
    takes effect once that has passed (and at once with the cache off)."""
    from sqlmodel import Session

    from api.auth.tokens import revoke_token

    def revoke(who: str) -> None:
        with Session(world.engine) as s:
            revoke_token(s, world.tokens[who].split("_")[1])
            s.commit()

    cached = TestClient(
        create_app(Settings(database_url=database_url, token_cache_seconds=0.3), world.engine)
    )
    assert cached.get("/api/v1/parks", headers=world.headers("ent_a")).status_code == 200
    revoke("ent_a")
    time.sleep(0.35)
    assert cached.get("/api/v1/parks", headers=world.headers("ent_a")).status_code == 401
    uncached = TestClient(
        create_app(Settings(database_url=database_url, token_cache_seconds=0), world.engine)
    )
    assert uncached.get("/api/v1/parks", headers=world.headers("ent_b")).status_code == 200
    revoke("ent_b")
    assert uncached.get("/api/v1/parks", headers=world.headers("ent_b")).status_code == 401


def test_the_trusted_tokens_are_rechecked_together_in_one_statement(world: World) -> None:
    """Every ``ttl`` the cached tokens are re-read in one statement, whatever their number:
    a revoked token, and one whose park was renamed (the code cascades to the token), are
    dropped; the others stay trusted without a lookup each."""
    from sqlalchemy import event, text
    from sqlmodel import Session

    from api.auth.tokens import PrincipalCache, revoke_token, verify_token

    cache = PrincipalCache(ttl=0.2)
    with Session(world.engine) as s:
        for who in world.tokens:
            principal = verify_token(s, world.tokens[who])
            assert principal is not None
            cache.put(world.tokens[who], principal)
        revoke_token(s, world.tokens["ent_a"].split("_")[1])
        s.commit()
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE parks SET code = 'BEIDU_NEW' WHERE code = 'BEIDU'"))
    # Within ttl of the last check the cache is trusted as it stands.
    assert not cache.due() and cache.get(world.tokens["ent_a"]) is not None
    statements: list[str] = []
    event.listen(world.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    time.sleep(0.25)
    assert cache.due()
    cache.recheck(world.engine)
    assert len(statements) == 1
    assert not cache.due()
    dropped = {who for who in world.tokens if cache.get(world.tokens[who]) is None}
    assert dropped == {"ent_a", "pm_beidu"}
    with Session(world.engine) as s:
        renamed = verify_token(s, world.tokens["pm_beidu"])
    assert renamed is not None and renamed.park_code == "BEIDU_NEW"


# --- request size limits ----------------------------------------------------------------------

SMALL = 2048
BATCH = 8192


@pytest.fixture
def small_app(database_url: str, world: World) -> FastAPI:
    settings = Settings(
        database_url=database_url,
        auth_failure_limit=10**6,
        max_body_bytes=SMALL,
        max_batch_bytes=BATCH,
    )
    return create_app(settings, world.engine)


def _fill(path: str, world: World) -> str:
    values = {
        "uscc": world.enterprises["a"],
        "period": "2022-01",
        "year": "2022",
        "alert_id": "1",
        "run_id": "1",
        "name": "intensity-check",
        "code": "BEIDU",
        "revision": "1",
    }
    for key, value in values.items():
        path = path.replace("{" + key + "}", value)
    assert "{" not in path, f"no value for a parameter of {path}"
    return path


def _chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_every_operation_taking_a_body_refuses_one_over_the_limit(
    small_app: FastAPI, world: World
) -> None:
    """Declared (Content-Length) or streamed (chunked, no length): 413 before anything runs."""
    client = TestClient(small_app)
    spec = small_app.openapi()
    checked = []
    before = _revisions(world.engine)
    for op in api_operations(small_app):
        if op.method == "GET":
            continue
        limit = BATCH if op.path == "/api/v1/reports/batch" else SMALL
        body = b'{"padding": "' + b"x" * limit + b'"}'
        url = _fill(op.path, world)
        headers = {**world.headers("admin"), "Content-Type": "application/json"}
        r = client.request(op.method, url, content=body, headers=headers)
        assert r.status_code == 413, f"{op.method} {op.path} (Content-Length): {r.status_code}"
        assert r.json()["status"] == 413
        if "requestBody" in spec["paths"][op.path][op.method.lower()]:
            r = client.request(op.method, url, content=_chunks(body), headers=headers)
            assert r.status_code == 413, f"{op.method} {op.path} (chunked): {r.status_code}"
            assert "content-length" not in r.request.headers
        checked.append(f"{op.method} {op.path}")
    assert len(checked) >= 10
    assert _revisions(world.engine) == before


def test_multipart_and_spreadsheet_uploads_over_the_batch_limit_are_refused(
    small_app: FastAPI, world: World
) -> None:
    client = TestClient(small_app)
    big_csv = b"uscc,period,section,item,quantity,unit\n" + b"x,2022-01,energy,coke,1,t\n" * 400
    assert len(big_csv) > BATCH
    r = client.post(
        "/api/v1/reports/batch",
        files={"file": ("year.csv", big_csv, "text/csv")},
        headers=world.headers("admin"),
    )
    assert r.status_code == 413
    # The same multipart body streamed without a Content-Length.
    request = client.build_request(
        "POST",
        "/api/v1/reports/batch",
        files={"file": ("year.csv", big_csv, "text/csv")},
        headers=world.headers("admin"),
    )
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    r = client.post("/api/v1/reports/batch", content=_chunks(request.read()), headers=headers)
    assert r.status_code == 413
    r = client.post(
        "/api/v1/reports/batch",
        content=_chunks(b"PK" + b"\0" * (BATCH + 1)),
        headers={**world.headers("admin"), "Content-Type": XLSX},
    )
    assert r.status_code == 413


def test_a_report_over_one_mebibyte_is_refused_at_the_default_limits(
    client: TestClient, world: World
) -> None:
    """API.md: a single report's body over 1 MiB, or a batch over 64 MiB: 413."""
    assert Settings().max_body_bytes == 1024 * 1024
    assert Settings().max_batch_bytes == 64 * 1024 * 1024
    body = b'{"energy": [], "pad": "' + b"x" * (1024 * 1024) + b'"}'
    url = f"/api/v1/enterprises/{world.enterprises['a']}/reports/2022-01"
    headers = {**world.headers("ent_a"), "Content-Type": "application/json"}
    assert client.put(url, content=body, headers=headers).status_code == 413
    assert client.put(url, content=_chunks(body, 65536), headers=headers).status_code == 413


# --- values the database cannot hold -----------------------------------------------------------


def test_a_nul_character_anywhere_is_refused_never_a_500(client: TestClient, world: World) -> None:
    """PostgreSQL text cannot hold NUL: in a path, a query or a body it used to reach the
    database and fail there (500). It is refused (422, or 404 for an identifier that cannot
    exist), and nothing is written."""
    a = world.enterprises["a"]
    h = world.headers("admin")
    for url in (
        "/api/v1/parks/A%00B",
        "/api/v1/alerts?park=A%00B&kind=%00",
        f"/api/v1/enterprises/{a}%00/reports",
        "/api/v1/certifications?park=%00",
        "/api/v1/inventory?level=park&id=%00&year=2022",
        "/api/v1/jobs/runs?job=%00",
    ):
        r = client.get(url, headers=h)
        assert r.status_code in (200, 404, 422), f"{url}: {r.status_code}"
        if r.status_code == 200:
            assert r.json() == []
    bodies = [
        ("POST", "/api/v1/parks", {"code": "NUL\u0000", "name": "x"}),
        ("PATCH", f"/api/v1/enterprises/{a}", {"name": "示范\u0000铝业"}),
        ("PUT", f"/api/v1/enterprises/{a}/reports/2022-01", {
            "production": [{"product": "ingot\u0000", "quantity": 1, "unit": "t"}]
        }),
    ]  # fmt: skip
    for method, url, body in bodies:
        raw = json.dumps(body).encode()  # NUL goes out as the JSON escape \\u0000
        assert b"\\u0000" in raw
        r = client.request(
            method, url, content=raw, headers={**h, "Content-Type": "application/json"}
        )
        assert r.status_code == 422, f"{method} {url}: {r.status_code} {r.text[:200]}"
    assert _revisions(world.engine) == 0


# --- tokens never logged ----------------------------------------------------------------------


def _secret(token: str) -> str:
    """The part of a token that is never stored in clear (all of a malformed one)."""
    parts = token.split("_", 2)
    return parts[2] if len(parts) == 3 else token


def test_no_token_reaches_the_logs(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Every logger at DEBUG (SQL statements and their parameters included) while tokens good,
    bad, revoked-looking and malformed go by, on answers from 200 to 422."""
    caplog.set_level(logging.DEBUG)
    good = world.tokens["ent_a"]
    key_id = good.split("_")[1]
    bad = [f"ck_{key_id}_{'Q' * 43}", "ck_ffffffffffff_SeCrEtSeCrEtSeCrEt", "Zm9vYmFyYmF6cXV4"]
    a = world.enterprises["a"]
    for token in [good, *bad]:
        h = {"Authorization": f"Bearer {token}"}
        client.get("/api/v1/parks", headers=h)
        client.get(f"/api/v1/enterprises/{world.enterprises['b']}", headers=h)
        client.put(f"/api/v1/enterprises/{a}/reports/2022-01", json=report(1.0), headers=h)
        client.put(f"/api/v1/enterprises/{a}/reports/1999-99", json={}, headers=h)
        client.get("/api/v1/alerts/99999999999", headers=h)
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    for token in [good, *bad]:
        assert token not in logged
        assert _secret(token) not in logged
    assert any(r.levelno <= logging.INFO for r in caplog.records), "nothing was logged at all"


def test_token_create_prints_the_token_on_stdout_only(
    database_url: str,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("CARBON_DATABASE_URL", database_url)
    get_settings.cache_clear()
    caplog.set_level(logging.DEBUG)
    try:
        result = CliRunner().invoke(
            cli, ["token", "create", "--role", "park_manager", "--park", "BEIDU"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("ck_")
    assert _secret(token) not in result.stderr
    assert _secret(token) not in caplog.text + "\n".join(str(r.args) for r in caplog.records)
    app = create_app(Settings(database_url=database_url), world.engine)
    r = TestClient(app).get("/api/v1/parks", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and [p["code"] for p in r.json()] == ["BEIDU"]


# --- uploaded spreadsheets --------------------------------------------------------------------

HEADER = ["uscc", "period", "section", "item", "quantity", "unit"]


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *rows]:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _replace_part(raw: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = data if info.filename == name else src.read(info.filename)
            dst.writestr(info.filename, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _upload(client: TestClient, world: World, raw: bytes, media: str = XLSX) -> Any:
    return client.post(
        "/api/v1/reports/batch",
        content=raw,
        headers={**world.headers("admin"), "Content-Type": media},
    )


def test_malformed_workbooks_are_refused_with_422(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    good = _xlsx([[a, "2022-01", "energy", "coke", 12, "t"]])
    cases = {
        "random bytes": b"\x13\x37" * 500,
        "truncated": good[: len(good) // 2],
        "zip without a workbook": _replace_part(good, "xl/workbook.xml", b"<nope"),
        "sheet that is not XML": _replace_part(good, "xl/worksheets/sheet1.xml", b"\x00\xff<<"),
        "empty": b"",
    }
    for what, raw in cases.items():
        r = _upload(client, world, raw)
        assert r.status_code == 422, f"{what}: {r.status_code} {r.text[:200]}"
        assert r.headers["content-type"] == "application/problem+json"
    assert _revisions(world.engine) == 0
    assert _upload(client, world, good).status_code == 200


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(
    client: TestClient, world: World
) -> None:
    """A sheet of 200 MB of empty rows deflates to about 200 kB (1000:1); Excel's own XML
    compresses about 10:1 (a 100,000-line workbook: 22.5 MB of sheet XML in 2.4 MB)."""
    a = world.enterprises["a"]
    good = _xlsx([[a, "2022-01", "energy", "coke", 12, "t"]])
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    padding = b"<row/>" * (200 * 1024 * 1024 // 6)
    bomb = _replace_part(
        good, "xl/worksheets/sheet1.xml", sheet.replace(b"</sheetData>", padding + b"</sheetData>")
    )
    assert len(bomb) < 1024 * 1024
    r = _upload(client, world, bomb)
    assert r.status_code == 422 and "unzips to" in r.text
    assert _revisions(world.engine) == 0


def test_entity_expansion_in_a_workbook_is_refused(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    good = _xlsx([[a, "2022-01", "energy", "coke", 12, "t"]])
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    r = _upload(client, world, _replace_part(good, "xl/worksheets/sheet1.xml", laughs))
    assert r.status_code == 422, r.text


def test_formula_cells_are_not_evaluated(client: TestClient, world: World) -> None:
    """``=6*7`` where a quantity is due is refused, naming the row and field, never taken as 42
    (nor as the 0 a writer may cache for it)."""
    a = world.enterprises["a"]
    raw = _xlsx([[a, "2022-01", "energy", "coke", "=6*7", "t"]])
    r = _upload(client, world, raw)
    assert r.status_code == 422, r.text
    assert any(e["loc"][:3] == ["body", "row", 2] for e in r.json()["errors"]), r.text
    csv_raw = f"{','.join(HEADER)}\n{a},2022-01,energy,coke,=6*7,t\n".encode()
    assert _upload(client, world, csv_raw, "text/csv").status_code == 422
    assert _revisions(world.engine) == 0


# --- formula injection in exports -------------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://203.0.113.9/x","click")', "+1+1", "-2+3", "@SUM(A1)", "=1+1"]


def _assert_no_formula_cells(rows: list[list[str]], what: str) -> int:
    looked = 0
    for row in rows:
        for cell in row:
            looked += 1
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                try:
                    float(cell)
                except ValueError:
                    raise AssertionError(f"{what}: cell {cell!r} would run as a formula") from None
    return looked


def test_exports_neutralise_formula_injection(client: TestClient, world: World) -> None:
    """Product names are free text; names starting with ``=``, ``+``, ``-`` or ``@`` come back
    in the inventory's CSV and XLSX as text, never as formulas."""
    a = world.enterprises["a"]
    body = report(100.0)
    body["production"] = [{"product": p, "quantity": 1, "unit": "t"} for p in HOSTILE]
    r = client.put(
        f"/api/v1/enterprises/{a}/reports/2022-01", json=body, headers=world.headers("ent_a")
    )
    assert r.status_code == 201, r.text
    r = client.patch(
        f"/api/v1/enterprises/{a}",
        json={"name": '=HYPERLINK("http://203.0.113.9/x","示范铝业")'},
        headers=world.headers("admin"),
    )
    assert r.status_code == 200, r.text
    for level, id_ in (("enterprise", a), ("park", "BEIDU")):
        params = {"level": level, "id": id_, "year": 2022}
        got = client.get(
            "/api/v1/inventory", params={**params, "format": "csv"}, headers=world.headers("admin")
        )
        assert got.status_code == 200, got.text
        rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert _assert_no_formula_cells(rows, f"{level} CSV") > 10
        got = client.get(
            "/api/v1/inventory", params={**params, "format": "xlsx"}, headers=world.headers("admin")
        )
        assert got.status_code == 200, got.text
        book = openpyxl.load_workbook(io.BytesIO(got.content), data_only=False)
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{level} XLSX {cell.coordinate}: {cell.value}"
                    if isinstance(cell.value, str):
                        cells.append(cell.value)
        _assert_no_formula_cells([cells], f"{level} XLSX")


def test_uploaded_templates_and_exports_are_served_as_attachments(
    client: TestClient, world: World, repo_root: Path
) -> None:
    """Downloads carry a Content-Disposition, so a browser saves them instead of rendering."""
    got = client.get(
        "/api/v1/inventory",
        params={"level": "enterprise", "id": world.enterprises["a"], "year": 2022, "format": "csv"},
        headers=world.headers("ent_a"),
    )
    assert got.status_code == 200
    assert got.headers["content-disposition"].startswith("attachment")
