"""Schemathesis against the application's own OpenAPI schema, in process, with every role.

Shared by the bounded run in the test suite (``tests/hardening/test_fuzz.py``) and the longer
run of ``bench/fuzz.py``. Each operation is fuzzed with the token of each role, with data that
fits the schema (positive) and data that does not (negative), half of the cases aimed at the
role's own seeded resources (its enterprise, park, alerts, job runs) so that the handlers past
the 404 are reached too. Every answer is checked: no 5xx, a documented status code, the
documented content type, a body that fits the documented schema, and invalid data refused.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.db import make_engine
from api.main import create_app
from api.settings import Settings
from tests.dbs import fresh_database
from tests.hardening.seed import Seeded, populate
from tests.world import build_world

ROLES: tuple[str, ...] = ("admin", "pm_beidu", "ent_a")
"""One token of each role; ``pm_beidu`` manages BEIDU, ``ent_a`` is enterprise ``a`` in it."""

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
)


@dataclass(frozen=True)
class Finding:
    """One check that failed: where, with which role, and a request that reproduces it."""

    operation: str
    role: str
    mode: str
    check: str
    message: str
    request: str

    def __str__(self) -> str:
        return (
            f"{self.operation} as {self.role} ({self.mode}): {self.check}: {self.message}\n"
            f"    {self.request}"
        )


@dataclass
class FuzzStats:
    cases: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)


@dataclass
class Target:
    """The application under test, its schema, and the seeded tenants."""

    app: FastAPI
    schema: Any
    seeded: Seeded

    def own_path_parameters(self, role: str) -> dict[str, Any]:
        """Path parameters naming the role's own resources (the admin's are enterprise a's)."""
        key = {"admin": "a", "pm_beidu": "a", "ent_a": "a"}.get(role, "a")
        return {
            "uscc": self.seeded.uscc(key),
            "code": "BEIDU",
            "period": "2022-01",
            "revision": 1,
            "year": 2022,
            "alert_id": self.seeded.alerts[key],
            "run_id": self.seeded.runs[0],
            "name": "intensity-check",
        }


@contextmanager
def fuzz_target(tmp_dir: Path, backend: str = "sqlite") -> Iterator[Target]:
    """A migrated database with the seeded tenants, the app on it, and its loaded schema."""
    app_log = logging.getLogger("carbon.api")
    level = app_log.level
    # A 500 is recorded as a finding with its request; its traceback would only be noise here.
    app_log.setLevel(logging.CRITICAL)
    with fresh_database(backend, tmp_dir) as url:
        engine = make_engine(url)
        try:
            app = create_app(Settings(database_url=url, auth_failure_limit=10**9), engine)
            world = build_world(engine)
            with TestClient(app) as client:
                seeded = populate(client, world)
            schema = schemathesis.openapi.from_asgi("/openapi.json", app)
            yield Target(app=app, schema=schema, seeded=seeded)
        finally:
            engine.dispose()
            app_log.setLevel(level)


def operations(schema: Any) -> list[Any]:
    """Every operation of the schema, in the schema's order."""
    return [result.ok() for result in schema.get_all_operations()]


def label(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _curl(case: Any, headers: dict[str, str]) -> str:
    parts = [f"curl -X {case.method.upper()} 'http://127.0.0.1:8000{case.formatted_path}"]
    if case.query:
        parts[0] += "?" + "&".join(f"{k}={v}" for k, v in case.query.items())
    parts[0] += "'"
    for k, v in headers.items():
        parts.append(f"-H '{k}: {v[:16]}…'" if k.lower() == "authorization" else f"-H '{k}: {v}'")
    if case.media_type:
        parts.append(f"-H 'Content-Type: {case.media_type}'")
    if isinstance(case.body, NotSet):
        pass
    elif case.body is not None and not isinstance(case.body, bytes | bytearray):
        try:
            body = json.dumps(case.body, ensure_ascii=False, default=str)
        except TypeError:
            body = repr(case.body)
        parts.append(f"-d '{body[:300]}'")
    return " ".join(parts)


def _failures(exc: BaseException) -> Iterable[Failure]:
    if isinstance(exc, FailureGroup):
        yield from exc.exceptions
    elif isinstance(exc, Failure):
        yield exc


def fuzz_operation(
    target: Target,
    operation: Any,
    *,
    roles: Sequence[str] = ROLES,
    modes: Sequence[GenerationMode] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    max_examples: int = 10,
    seed: int | None = 0,
    stats: FuzzStats | None = None,
) -> list[Finding]:
    """Fuzz ``operation`` with each role and mode; every distinct failure, once.

    ``seed`` fixes the examples (the in-suite run is reproducible); ``None`` draws new ones.
    """
    stats = stats if stats is not None else FuzzStats()
    found: dict[tuple[str, str, str, str], Finding] = {}
    params = [p.name for p in operation.path_parameters]
    start = time.perf_counter()
    for role in roles:
        headers = {"Authorization": f"Bearer {target.seeded.world.tokens[role]}"}
        own = {k: v for k, v in target.own_path_parameters(role).items() if k in params}
        for mode in modes:
            # The token goes in as a fixed header, so that negative cases never count a
            # mutated Authorization as the invalid part.
            strategies = [operation.as_strategy(generation_mode=mode, headers=headers)]
            if own:
                strategies.append(
                    operation.as_strategy(
                        generation_mode=mode, headers=headers, path_parameters=own
                    )
                )
            strategy = st.one_of(*strategies)

            run_case = _runner(operation, role, mode, headers, stats, found)
            test = hypothesis.settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=seed is not None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )(hypothesis.given(case=strategy)(run_case))
            if seed is not None:
                test = hypothesis.seed(seed)(test)
            try:
                test()
            except hypothesis.errors.Unsatisfiable:
                # Nothing in the operation can be made invalid (no parameters, no body).
                continue
    stats.seconds += time.perf_counter() - start
    return list(found.values())


def _runner(
    operation: Any,
    role: str,
    mode: GenerationMode,
    headers: dict[str, str],
    stats: FuzzStats,
    found: dict[tuple[str, str, str, str], Finding],
) -> Any:
    """The body of one hypothesis test: send the case, check the answer, record failures."""

    def run_case(case: Any) -> None:
        try:
            response = case.call()
        except Exception as exc:  # the app raised: a 500 in production
            key = (role, mode.value, type(exc).__name__, "Server error")
            if key not in found:
                found[key] = Finding(
                    operation=label(operation),
                    role=role,
                    mode=mode.value,
                    check="Server error",
                    message=f"{type(exc).__name__}: {exc}"[:600],
                    request=_curl(case, case.headers),
                )
            return
        stats.cases += 1
        stats.statuses[response.status_code] = stats.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=list(CHECKS), headers=case.headers)
        except (Failure, FailureGroup) as exc:
            for failure in _failures(exc):
                key = (role, mode.value, type(failure).__name__, failure.title)
                if key not in found:
                    found[key] = Finding(
                        operation=label(operation),
                        role=role,
                        mode=mode.value,
                        check=failure.title,
                        message=f"{response.status_code}: {failure.message}"[:600],
                        request=_curl(case, case.headers),
                    )

    return run_case
