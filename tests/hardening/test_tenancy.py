"""Tenancy matrix: every operation under /api/v1 × every role × own and foreign resources.

The operations are read from ``app.routes``; each must have an entry in :data:`MATRIX` saying
how to call it on a tenant's resources and which roles may. For every role it is called on the
role's own resources, then on a foreign tenant's (another park's enterprise; for an enterprise
also its neighbour in the same park). Own: not 403/404 when the role may (403 when it may not).
Foreign: 403/404 — or, for a listing filtered to a foreign park, an answer holding nothing of
it. Whatever the answer, no foreign identifier (USCC, name, park code or name) and none of the
foreign tenant's reported figures may appear in it — JSON, CSV or the cells of an XLSX
download — and no foreign tenant's stored data may have changed. A route that the matrix does
not know fails :func:`test_every_route_is_in_the_matrix`, so that no new route skips it.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, bindparam, text

from tests.dbs import truncate_all
from tests.hardening.routes import api_operations
from tests.hardening.seed import MARKER_TCE, Seeded, populate, report
from tests.helpers import make_uscc
from tests.world import PARKS, build_world

ROLE_TOKENS = {"admin": "admin", "park_manager": "pm_beidu", "enterprise": "ent_a"}
OWN = "a"  # enterprise a in BEIDU: the park manager's and the enterprise's own
OWN_PARK = "BEIDU"
FOREIGN: dict[str, tuple[str, ...]] = {
    "admin": (),
    "park_manager": ("b", "town"),  # QIAOHE, TOWN_SANJIANG
    "enterprise": ("small", "b"),  # its neighbour in BEIDU, and another park's
}
ENTERPRISE_OF_KEY = {"a": OWN_PARK, "b": "QIAOHE", "town": "TOWN_SANJIANG", "small": OWN_PARK}
_new = itertools.count(100)
_years = itertools.count(2000)  # a new certification year per call: never a 409 duplicate


@dataclass
class Call:
    """One request; ``setup`` runs first as admin (e.g. a limit to delete)."""

    method: str
    url: str
    params: dict[str, Any] | None = None
    json: Any = None
    content: bytes | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    setup: list[Call] = field(default_factory=list)

    def text(self) -> str:
        body = self.json or self.content or self.files or ""
        return f"{self.method} {self.url} {self.params or ''} {body!r}"


@dataclass(frozen=True)
class Ctx:
    """Whose resource a call aims at: an enterprise key and its park."""

    seeded: Seeded
    key: str
    role: str

    @property
    def uscc(self) -> str:
        return self.seeded.uscc(self.key)

    @property
    def park(self) -> str:
        return ENTERPRISE_OF_KEY[self.key]


@dataclass(frozen=True)
class Op:
    """How to call an operation on a tenant's resources, and who may.

    ``listing``: the call filters a scoped list (by park or enterprise) rather than naming one
    resource; a foreign filter may then answer 2xx as long as nothing foreign is in it.
    """

    make: Callable[[Ctx], list[Call]]
    roles: frozenset[str]
    listing: bool = False


ALL = frozenset(ROLE_TOKENS)
MANAGERS = frozenset({"admin", "park_manager"})
ADMIN = frozenset({"admin"})
E = "/api/v1/enterprises/{uscc}"


def one(method: str, url: str, **kw: Any) -> Callable[[Ctx], list[Call]]:
    """A single call; ``{uscc}``, ``{park}``, ``{alert}`` and ``{run}`` are the target's."""

    def make(c: Ctx) -> list[Call]:
        if "{park}" in url and c.key != OWN and c.park == OWN_PARK:
            return []  # the neighbour's park is the caller's own: nothing foreign to name
        fill = {
            "uscc": c.uscc,
            "park": c.park,
            "alert": c.seeded.alerts.get(c.key, c.seeded.alerts["b"]),
            "run": c.seeded.runs[0],
        }
        rest = {k: v for k, v in kw.items() if k != "params"}
        params = {k: str(v).format(**fill) for k, v in kw.get("params", {}).items()} or None
        return [Call(method, url.format(**fill), params=params, **rest)]

    return make


def _new_enterprise(c: Ctx) -> list[Call]:
    uscc = make_uscc(next(_new))
    body = {
        "uscc": uscc,
        "name": f"示范新厂{uscc[-4:]}",
        "park_code": c.park,
        "industry_code": "3399",
        "above_designated_size": True,
    }
    return [Call("POST", "/api/v1/enterprises", json=body)]


def _new_park(c: Ctx) -> list[Call]:
    n = next(_new)
    return [Call("POST", "/api/v1/parks", json={"code": f"P{n}", "name": f"新组团{n}"})]


def _batch(c: Ctx) -> list[Call]:
    """JSON and CSV batches naming the target; a mixed batch naming the own and the target."""
    own = c.seeded.uscc(OWN)
    body = report(MARKER_TCE.get(c.key, 1.0))
    csv = (
        "uscc,period,section,item,quantity,unit\n"
        f"{c.uscc},2022-04,energy,other_energy,{MARKER_TCE.get(c.key, 1.0)},tce\n"
    ).encode()
    one_report = {"reports": [{"uscc": c.uscc, "period": "2022-04", **body}]}
    calls = [
        Call("POST", "/api/v1/reports/batch", json=one_report),
        Call("POST", "/api/v1/reports/batch", content=csv, headers={"Content-Type": "text/csv"}),
        Call("POST", "/api/v1/reports/batch", files={"file": ("april.csv", csv, "text/csv")}),
    ]
    if c.key != OWN:
        mixed = [
            {"uscc": own, "period": "2022-04", **report(1.0)},
            {"uscc": c.uscc, "period": "2022-04", **body},
        ]
        calls.append(Call("POST", "/api/v1/reports/batch", json={"reports": mixed}))
    return calls


def _inventory(c: Ctx) -> list[Call]:
    calls = []
    levels = [("enterprise", c.uscc), ("park", c.park)]
    if c.role == "enterprise":  # an enterprise reads its own inventory, not its park's
        levels = levels[:1]
    for fmt in ("json", "csv", "xlsx"):
        for level, id_ in levels:
            params = {"level": level, "id": id_, "year": "2022", "format": fmt}
            calls.append(Call("GET", "/api/v1/inventory", params=params))
    return calls


def _delete_limit(c: Ctx) -> list[Call]:
    url = f"/api/v1/enterprises/{c.uscc}/limits/2023"
    put = Call("PUT", url, json={"energy_intensity": {"quantity": 0.7, "unit": "tce/万元"}})
    return [Call("DELETE", url, setup=[put])]


QUANTITY = {"energy_intensity": {"quantity": 0.5, "unit": "tce/万元"}}
MATRIX: dict[tuple[str, str], Op] = {
    ("GET", "/api/v1/parks"): Op(one("GET", "/api/v1/parks"), ALL, listing=True),
    ("POST", "/api/v1/parks"): Op(_new_park, ADMIN),
    ("GET", "/api/v1/parks/{code}"): Op(one("GET", "/api/v1/parks/{park}"), ALL),
    ("GET", "/api/v1/enterprises"): Op(
        one("GET", "/api/v1/enterprises", params={"park_code": "{park}"}), ALL, listing=True
    ),
    ("POST", "/api/v1/enterprises"): Op(_new_enterprise, MANAGERS),
    ("GET", E): Op(one("GET", E), ALL),
    ("PATCH", E): Op(one("PATCH", E, json={"above_designated_size": True}), MANAGERS),
    ("PUT", E + "/reports/{period}"): Op(
        lambda c: one("PUT", E + "/reports/2022-02", json=report(MARKER_TCE[c.key]))(c), ALL
    ),
    ("GET", E + "/reports/{period}"): Op(one("GET", E + "/reports/2022-01"), ALL),
    ("GET", E + "/reports/{period}/revisions"): Op(
        one("GET", E + "/reports/2022-01/revisions"), ALL
    ),
    ("GET", E + "/reports/{period}/revisions/{revision}"): Op(
        one("GET", E + "/reports/2022-01/revisions/1"), ALL
    ),
    ("GET", E + "/reports"): Op(
        one("GET", E + "/reports", params={"from": "2022-01", "to": "2022-12"}), ALL
    ),
    ("POST", "/api/v1/reports/batch"): Op(_batch, ALL),
    ("GET", "/api/v1/reports/batch/template"): Op(
        one("GET", "/api/v1/reports/batch/template"), ALL, listing=True
    ),
    ("GET", E + "/data-quality"): Op(one("GET", E + "/data-quality", params={"year": 2022}), ALL),
    ("GET", "/api/v1/data-quality"): Op(
        one("GET", "/api/v1/data-quality", params={"year": 2022, "park": "{park}"}),
        ALL,
        listing=True,
    ),
    ("GET", E + "/certifications"): Op(one("GET", E + "/certifications"), ALL),
    ("POST", E + "/certifications"): Op(
        lambda c: one(
            "POST",
            E + "/certifications",
            json={"kind": "green_product", "level": "national", "year": next(_years)},
        )(c),
        MANAGERS,
    ),
    ("GET", "/api/v1/certifications"): Op(
        one("GET", "/api/v1/certifications", params={"park": "{park}"}), ALL, listing=True
    ),
    ("GET", "/api/v1/inventory"): Op(_inventory, ALL),
    ("GET", "/api/v1/targets"): Op(
        one("GET", "/api/v1/targets", params={"year": 2022, "park": "{park}"}), MANAGERS
    ),
    ("GET", E + "/green-factory-assessment"): Op(
        one("GET", E + "/green-factory-assessment", params={"year": 2022}), ALL
    ),
    ("PUT", E + "/limits/{year}"): Op(one("PUT", E + "/limits/2022", json=QUANTITY), MANAGERS),
    ("GET", E + "/limits/{year}"): Op(one("GET", E + "/limits/2022"), ALL),
    ("DELETE", E + "/limits/{year}"): Op(_delete_limit, MANAGERS),
    ("GET", E + "/limits"): Op(one("GET", E + "/limits"), ALL),
    ("GET", "/api/v1/alerts"): Op(
        lambda c: [
            *one("GET", "/api/v1/alerts", params={"park": "{park}"})(c),
            *one("GET", "/api/v1/alerts", params={"uscc": "{uscc}"})(c),
        ],
        ALL,
        listing=True,
    ),
    ("GET", "/api/v1/alerts/groups"): Op(
        lambda c: [
            *one("GET", "/api/v1/alerts/groups", params={"park": "{park}"})(c),
            *one("GET", "/api/v1/alerts/groups", params={"uscc": "{uscc}"})(c),
        ],
        ALL,
        listing=True,
    ),
    ("GET", "/api/v1/alerts/{alert_id}"): Op(one("GET", "/api/v1/alerts/{alert}"), ALL),
    ("PATCH", "/api/v1/alerts/{alert_id}"): Op(
        one("PATCH", "/api/v1/alerts/{alert}", json={"status": "acknowledged"}), MANAGERS
    ),
    ("GET", "/api/v1/jobs"): Op(one("GET", "/api/v1/jobs"), ADMIN),
    ("POST", "/api/v1/jobs/{name}/run"): Op(
        one("POST", "/api/v1/jobs/intensity-check/run", json={"period": "2022-01"}), ADMIN
    ),
    ("GET", "/api/v1/jobs/runs"): Op(one("GET", "/api/v1/jobs/runs"), ADMIN),
    ("GET", "/api/v1/jobs/runs/{run_id}"): Op(one("GET", "/api/v1/jobs/runs/{run}"), ADMIN),
}


def known_operations(app: FastAPI) -> list[tuple[str, str]]:
    return [(op.method, op.path) for op in api_operations(app)]


def test_every_route_is_in_the_matrix(app_instance: FastAPI) -> None:
    served = known_operations(app_instance)
    unknown = [f"{m} {p}" for m, p in served if (m, p) not in MATRIX]
    assert not unknown, (
        "routes the tenancy matrix does not know how to call (add them to MATRIX in "
        f"tests/hardening/test_tenancy.py): {unknown}"
    )
    gone = [f"{m} {p}" for m, p in MATRIX if (m, p) not in set(served)]
    assert not gone, f"MATRIX names routes that no longer exist: {gone}"


# --- what a foreign tenant must never see -----------------------------------------------------


def foreign_markers(seeded: Seeded, role: str) -> set[str]:
    """Identifiers and reported figures of the tenants ``role`` must not see."""
    if role == "admin":
        return set()
    names = {"b": "示范齿轮", "town": "示范食品", "outside": "示范水泥", "small": "示范小厂"}
    keys = {"b", "town", "outside"} | ({"small"} if role == "enterprise" else set())
    out = {seeded.uscc(k) for k in keys} | {names[k] for k in keys}
    out |= {repr(MARKER_TCE[k]) for k in keys if k in MARKER_TCE}
    for code, name in PARKS.items():
        if code != OWN_PARK:
            out |= {code, name}
    return out


def body_text(response: Any) -> str:
    """The answer as text; an XLSX's cells and sheet names from its XML parts."""
    data: bytes = response.content
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(
                z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
            )
    return data.decode("utf-8", "replace")


def fingerprint(engine: Engine, usccs: list[str]) -> list[tuple[Any, ...]]:
    """What is stored for these enterprises: registry row, revisions, limits, certifications,
    alert statuses — to show that a refused call changed nothing of theirs."""
    queries = [
        "SELECT uscc, name, park_code, industry_code, above_designated_size FROM enterprises"
        " WHERE uscc IN :u ORDER BY uscc",
        "SELECT e.uscc, r.period, count(*) FROM report_revisions r JOIN enterprises e"
        " ON e.id = r.enterprise_id WHERE e.uscc IN :u GROUP BY e.uscc, r.period"
        " ORDER BY 1, 2",
        "SELECT * FROM intensity_limits WHERE enterprise_id IN"
        " (SELECT id FROM enterprises WHERE uscc IN :u) ORDER BY 1",
        "SELECT count(*) FROM certifications WHERE enterprise_id IN"
        " (SELECT id FROM enterprises WHERE uscc IN :u)",
        "SELECT id, status FROM alerts WHERE enterprise_id IN"
        " (SELECT id FROM enterprises WHERE uscc IN :u) ORDER BY id",
    ]
    out: list[tuple[Any, ...]] = []
    with engine.connect() as conn:
        for q in queries:
            stmt = text(q).bindparams(bindparam("u", expanding=True))
            out.extend(tuple(r) for r in conn.execute(stmt, {"u": usccs}).all())
    return out


# --- the matrix -------------------------------------------------------------------------------


@dataclass
class Matrix:
    client: TestClient
    seeded: Seeded
    engine: Engine


@pytest.fixture(scope="module")
def matrix(app_instance: FastAPI, engine: Engine) -> Iterator[Matrix]:
    """The tenants with data in every resource, once per backend for the whole module."""
    truncate_all(engine)
    client = TestClient(app_instance)
    seeded = populate(client, build_world(engine))
    yield Matrix(client=client, seeded=seeded, engine=engine)
    truncate_all(engine)


def _prepare(m: Matrix, calls: list[Call]) -> list[Call]:
    """Run the calls' setup (as admin); the calls themselves are then ready to send."""
    for call in calls:
        for pre in call.setup:
            r = _send(m, pre, "admin")
            assert r.status_code < 300, f"setup {pre.text()}: {r.status_code} {r.text}"
    return calls


def _send(m: Matrix, call: Call, token: str) -> Any:
    return m.client.request(
        call.method,
        call.url,
        params=call.params,
        json=call.json,
        content=call.content,
        files=call.files,
        headers={**call.headers, **m.seeded.world.headers(token)},
    )


@pytest.mark.parametrize("role", sorted(ROLE_TOKENS))
@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda k: f"{k[0]} {k[1]}")
def test_no_data_crosses_a_tenant_boundary(
    matrix: Matrix, operation: tuple[str, str], role: str
) -> None:
    op = MATRIX[operation]
    token = ROLE_TOKENS[role]
    markers = foreign_markers(matrix.seeded, role)
    foreign_usccs = [matrix.seeded.uscc(k) for k in ("b", "town", "outside", "small")]
    problems: list[str] = []

    def leaks(call: Call, response: Any) -> None:
        sent = call.text()
        body = body_text(response)
        seen = sorted(m for m in markers if m in body and m not in sent)
        if seen:
            problems.append(f"{call.text()} → {response.status_code} shows {seen}")

    # Own resources.
    for call in _prepare(matrix, op.make(Ctx(matrix.seeded, OWN, role))):
        r = _send(matrix, call, token)
        leaks(call, r)
        if role in op.roles:
            if r.status_code >= 300:
                problems.append(f"own {call.text()} → {r.status_code} {r.text[:200]}")
        elif r.status_code != 403:
            problems.append(f"not allowed {call.text()} → {r.status_code}, expected 403")

    # Foreign resources: refused, nothing shown, nothing of theirs changed.
    for key in FOREIGN[role]:
        calls = _prepare(matrix, op.make(Ctx(matrix.seeded, key, role)))
        before = fingerprint(matrix.engine, foreign_usccs)
        for call in calls:
            r = _send(matrix, call, token)
            leaks(call, r)
            refused = r.status_code in (403, 404)
            if not refused and not (op.listing and r.status_code == 200):
                problems.append(f"foreign {call.text()} → {r.status_code} {r.text[:200]}")
        after = fingerprint(matrix.engine, foreign_usccs)
        if before != after:
            changed = sorted(set(before) ^ set(after), key=str)
            problems.append(f"foreign {key}: stored data changed: {changed}")
    assert not problems, "\n".join(problems)
