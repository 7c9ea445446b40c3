"""Schemathesis over every operation of the OpenAPI schema, with the token of each role.

A bounded run (a few examples per operation, role and mode, fixed seed) against a SQLite
database of its own, seeded once for the module: no answer is a 5xx, every status code is
documented, every body fits its documented schema and content type, and invalid data is
refused. ``bench/fuzz.py`` runs the same harness with far more examples and fresh seeds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.main import create_app
from api.settings import Settings
from tests.hardening.fuzzing import Target, fuzz_operation, fuzz_target, label, operations

MAX_EXAMPLES = 6
"""Examples per operation × role × mode: 36 cases for each operation, ~1,300 in all."""


def _labels() -> list[str]:
    spec = create_app(Settings(database_url="sqlite://")).openapi()
    methods = {"get", "put", "post", "patch", "delete"}
    return [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in methods
    ]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with fuzz_target(tmp_path_factory.mktemp("fuzz")) as t:
        yield t


@pytest.mark.parametrize("operation", _labels())
def test_operation_answers_as_documented_for_every_role(target: Target, operation: str) -> None:
    [op] = [o for o in operations(target.schema) if label(o) == operation]
    findings = fuzz_operation(target, op, max_examples=MAX_EXAMPLES, seed=2021)
    assert not findings, "\n".join(str(f) for f in findings)
