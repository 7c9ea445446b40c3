"""The schema documents what every operation can answer, and bounds every number it takes.

The fuzzing tests check answers against the schema; these check the schema itself, so that a
new route cannot leave out the codes the service answers on any route.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.deps import MAX_INT

AUTH_CODES = {"401", "403", "429"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in item.items()
    ]


def test_every_operation_documents_the_errors_it_can_answer(app_instance: FastAPI) -> None:
    spec = app_instance.openapi()
    missing = []
    for method, path, op in _operations(spec):
        codes = set(op["responses"])
        want = set(AUTH_CODES)
        if op.get("parameters") or "requestBody" in op:
            want.add("422")
        if "{" in path:
            want.add("404")
        if "requestBody" in op:
            want |= {"400", "413"}
        if method != "GET":
            want.add("413")
        if not want <= codes:
            missing.append(f"{method} {path}: {sorted(want - codes)}")
        if not any(c.startswith("2") for c in codes):
            missing.append(f"{method} {path}: no success code")
    assert not missing, "\n".join(missing)


def test_error_answers_are_documented_as_problem_json(app_instance: FastAPI) -> None:
    spec = app_instance.openapi()
    problem = {"$ref": "#/components/schemas/Problem"}
    for method, path, op in _operations(spec):
        for code, response in op["responses"].items():
            if int(code) < 400:
                continue
            content = response["content"]
            assert set(content) == {"application/problem+json"}, (method, path, code)
            assert content["application/problem+json"]["schema"] == problem, (method, path, code)


def test_every_integer_parameter_is_bounded(app_instance: FastAPI) -> None:
    """A number past the database's integer would reach the query: SQLite raises an
    OverflowError, PostgreSQL 'integer out of range' (both were 500s found by fuzzing)."""
    spec = app_instance.openapi()
    unbounded = []
    for method, path, op in _operations(spec):
        for param in op.get("parameters", []):
            schema = param["schema"]
            options = schema.get("anyOf", [schema])
            for option in options:
                if option.get("type") == "integer" and option.get("maximum", MAX_INT + 1) > MAX_INT:
                    unbounded.append(f"{method} {path} {param['in']} {param['name']}")
    assert not unbounded, unbounded


def test_every_router_is_both_matched_and_documented() -> None:
    from api.routers import DOCUMENTED, MATCHED

    assert sorted(map(id, MATCHED)) == sorted(map(id, DOCUMENTED))
    assert len(set(map(id, MATCHED))) == len(MATCHED)
