"""Jobs: run by the API and the CLI exactly as the scheduler runs them, every run recorded; a
failing job is recorded failed and leaves no half-written alert; missing reports; webhooks."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app as cli
from api.jobs.base import Job, JobContext, JobResult
from api.jobs.checks import INTENSITY_CHECK, intensity_check
from api.jobs.registry import register, unregister
from api.jobs.runner import abandon_stale_runs, retry_periods
from api.models import JobRun
from api.settings import Settings, get_settings
from carbon.periods import Period
from tests.api.scenario import alerts, month, registered_long_ago, run_api, run_direct, submit
from tests.world import World


def _runs(world: World) -> list[JobRun]:
    with Session(world.engine) as s:
        return list(s.exec(select(JobRun).order_by(JobRun.id)).all())


def _limit(client: TestClient, world: World, key: str, q: float = 0.5) -> None:
    r = client.put(
        f"/api/v1/enterprises/{world.enterprises[key]}/limits/2022",
        json={"energy_intensity": {"quantity": q, "unit": "tce/万元"}},
        headers=world.headers("admin"),
    )
    assert r.status_code in (200, 201), r.text


# --------------------------------------------------------------------------- the endpoints


@pytest.mark.parametrize(
    ("who", "name", "body", "status"),
    [
        ("pm_beidu", "intensity-check", {"period": "2022-01"}, 403),
        ("ent_a", "intensity-check", {"period": "2022-01"}, 403),
        ("admin", "no-such-job", {"period": "2022-01"}, 404),
        ("admin", "intensity-check", {"period": "2022-13"}, 422),
        ("admin", "intensity-check", {"period": "2022/01"}, 422),
        ("admin", "intensity-check", {"period": "2999-01"}, 422),  # after the current month
        ("admin", "intensity-check", {}, 422),
        ("admin", "intensity-check", {"period": "2022-01", "today": "2022-02-11"}, 422),
    ],
)
def test_running_a_job_is_refused(
    client: TestClient, world: World, who: str, name: str, body: dict[str, str], status: int
) -> None:
    r = client.post(f"/api/v1/jobs/{name}/run", json=body, headers=world.headers(who))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if status == 422:
        assert any(e["loc"][:1] == ["body"] for e in r.json()["errors"])
    assert _runs(world) == []


def test_runs_are_recorded_and_visible_to_admins_only(client: TestClient, world: World) -> None:
    _limit(client, world, "b")
    submit(client, world, [month(world.enterprises["b"], "2022-01", tce=600)])
    run_api(client, world, "intensity-check", "2022-01")
    run_api(client, world, "missing-reports", "2022-01")
    r = client.get("/api/v1/jobs/runs", headers=world.headers("admin"))
    assert r.status_code == 200
    runs = r.json()
    assert [(x["job"], x["period"], x["trigger"], x["outcome"]) for x in runs] == [
        ("missing-reports", "2022-01", "api", "succeeded"),
        ("intensity-check", "2022-01", "api", "succeeded"),
    ]
    check = runs[1]
    assert (check["checked"], check["flagged"], check["created"], check["resolved"]) == (1, 1, 1, 0)
    assert check["finished_at"] >= check["started_at"]
    only = client.get(
        "/api/v1/jobs/runs?job=intensity-check&outcome=succeeded", headers=world.headers("admin")
    ).json()
    assert [x["id"] for x in only] == [check["id"]]
    one = client.get(f"/api/v1/jobs/runs/{check['id']}", headers=world.headers("admin"))
    assert one.json()["flagged"] == 1
    assert client.get("/api/v1/jobs/runs/99999", headers=world.headers("admin")).status_code == 404
    jobs = client.get("/api/v1/jobs", headers=world.headers("admin")).json()
    assert {j["name"]: j["last_run"]["id"] for j in jobs} == {
        "intensity-check": check["id"],
        "missing-reports": runs[0]["id"],
    }
    for who in ("pm_beidu", "pm_qiaohe", "ent_a"):
        for path in ("/api/v1/jobs/runs", f"/api/v1/jobs/runs/{check['id']}", "/api/v1/jobs"):
            assert client.get(path, headers=world.headers(who)).status_code == 403
    assert client.get("/api/v1/jobs/runs").status_code == 401


# --------------------------------------------------------------------------- the failure path


def _explodes_after_computing(session: Session, period: Period, context: JobContext) -> JobResult:
    result = intensity_check(session, period, context)
    assert len(result.alerts) > 0  # it computed something to write ...
    raise RuntimeError("out of memory while preparing the alerts")  # ... and fails before


def _poisoning(uscc: str) -> Job:
    """The real findings, with ``uscc``'s alert detail made unstorable: the database write fails
    part-way through (after the new alerts are inserted, at the update of that existing one)."""

    def compute(session: Session, period: Period, context: JobContext) -> JobResult:
        result = intensity_check(session, period, context)
        frame = result.alerts.copy()
        frame["detail"] = [
            {"unstorable": {1, 2}} if u == uscc else d
            for u, d in zip(frame["uscc"], frame["detail"], strict=True)
        ]
        return JobResult(alerts=frame, checked=result.checked)

    return Job(
        name="test-poisoned", description="a test job", kinds=INTENSITY_CHECK.kinds, compute=compute
    )


@pytest.fixture
def test_jobs() -> Iterator[list[str]]:
    """Jobs registered by a test, removed after it."""
    names: list[str] = []
    yield names
    for name in names:
        unregister(name)


def _add(names: list[str], job: Job) -> None:
    register(job)
    names.append(job.name)


def test_a_job_that_raises_is_recorded_failed_and_writes_nothing(
    client: TestClient, world: World, test_jobs: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    _add(
        test_jobs,
        Job(
            name="test-explodes",
            description="a test job",
            kinds=INTENSITY_CHECK.kinds,
            compute=_explodes_after_computing,
        ),
    )
    a, b = world.enterprises["a"], world.enterprises["b"]
    _limit(client, world, "a")
    _limit(client, world, "b")
    submit(client, world, [month(b, "2022-01", tce=600)])
    run_api(client, world, "intensity-check", "2022-01")
    before = [(x.id, x.severity, x.occurrences, x.updated_at) for x, _ in alerts(world)]
    # Now a is over too and b has cleared: a real run would add a's alert and resolve b's.
    submit(client, world, [month(a, "2022-01", tce=700), month(b, "2022-01", tce=100)])
    with caplog.at_level(logging.ERROR, logger="carbon.jobs"):
        r = client.post(
            "/api/v1/jobs/test-explodes/run",
            json={"period": "2022-01"},
            headers=world.headers("admin"),
        )
    assert r.status_code == 200
    body = r.json()
    assert body["outcome"] == "failed" and body["alerts"] == []
    assert body["error"] == "RuntimeError: out of memory while preparing the alerts"
    assert body["finished_at"] is not None and body["flagged"] is None
    assert "test-explodes" in caplog.text
    assert [(x.id, x.severity, x.occurrences, x.updated_at) for x, _ in alerts(world)] == before
    assert [x.status for x, _ in alerts(world)] == ["open"]


def test_a_write_failing_part_way_rolls_back_every_alert(
    client: TestClient, world: World, settings: Settings, test_jobs: list[str]
) -> None:
    a, b = world.enterprises["a"], world.enterprises["b"]
    _add(test_jobs, _poisoning(b))
    _limit(client, world, "a")
    _limit(client, world, "b")
    submit(client, world, [month(b, "2022-01", tce=600)])
    run_api(client, world, "intensity-check", "2022-01")
    before = [(x.id, x.severity, x.occurrences, x.updated_at) for x, _ in alerts(world)]
    # a is now over (new alert, inserted first), b worse (its update is the poisoned one).
    submit(client, world, [month(a, "2022-01", tce=700), month(b, "2022-01", tce=800)])
    report = run_direct(world, settings, "test-poisoned", "2022-01")
    assert report.run.outcome == "failed"
    assert report.run.error is not None and "not JSON serializable" in report.run.error
    after = alerts(world)
    assert [(x.id, x.severity, x.occurrences, x.updated_at) for x, _ in after] == before
    assert [u for _, u in after] == [b]  # a's inserted alert was rolled back with the rest
    # The real job, run next, does what the failed one could not.
    fixed = run_api(client, world, "intensity-check", "2022-01")
    assert sorted((x["uscc"], x["severity"]) for x in fixed["alerts"]) == sorted(
        [(a, "critical"), (b, "critical")]
    )
    outcomes = [(r.job, r.outcome) for r in _runs(world)]
    assert outcomes == [
        ("intensity-check", "succeeded"),
        ("test-poisoned", "failed"),
        ("intensity-check", "succeeded"),
    ]


def test_failed_months_are_retried(world: World) -> None:
    def record(period: str, outcome: str) -> None:
        with Session(world.engine) as s:
            s.add(
                JobRun(
                    job="intensity-check",
                    period=period,
                    trigger="scheduled",
                    outcome=outcome,
                    finished_at=datetime.now(UTC),
                )
            )
            s.commit()

    record("2022-01", "failed")
    record("2022-01", "succeeded")  # failed, then fixed by a later run
    record("2022-02", "failed")
    record("2022-03", "succeeded")
    record("2021-01", "failed")  # more than 12 months before the target
    assert retry_periods(world.engine, "intensity-check", Period(2022, 4)) == [Period(2022, 2)]
    assert retry_periods(world.engine, "missing-reports", Period(2022, 4)) == []


def test_a_run_its_process_abandoned_is_marked_failed_and_its_month_retried(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A run left ``running`` by a process that died counts as failed once it is older than
    ``job_run_timeout_minutes``; a run in progress is left alone."""
    now = datetime.now(UTC)

    def record(period: str, started_minutes_ago: int) -> int:
        with Session(world.engine) as s:
            run = JobRun(
                job="intensity-check",
                period=period,
                trigger="scheduled",
                started_at=now - timedelta(minutes=started_minutes_ago),
            )
            s.add(run)
            s.commit()
            assert run.id is not None and run.outcome == "running"
            return run.id

    crashed = record("2022-02", started_minutes_ago=90)
    in_progress = record("2022-03", started_minutes_ago=5)
    # Before a firing looks, the crashed month is not retried: it has no finished run.
    assert retry_periods(world.engine, "intensity-check", Period(2022, 4)) == []
    with caplog.at_level(logging.WARNING, logger="carbon.jobs"):
        stale = abandon_stale_runs(world.engine, Settings(job_run_timeout_minutes=60))
    assert [r.id for r in stale] == [crashed]
    with Session(world.engine) as s:
        runs = {r.id: r for r in s.exec(select(JobRun)).all()}
    assert runs[crashed].outcome == "failed" and runs[crashed].finished_at is not None
    assert (runs[crashed].error or "").startswith("abandoned: still running")
    assert runs[in_progress].outcome == "running" and runs[in_progress].error is None
    assert "abandoned" in caplog.text and "2022-02" in caplog.text
    assert retry_periods(world.engine, "intensity-check", Period(2022, 4)) == [Period(2022, 2)]
    # Nothing else is stale: a second look changes nothing.
    assert abandon_stale_runs(world.engine, Settings(job_run_timeout_minutes=60)) == []


# --------------------------------------------------------------------------- missing reports


def test_missing_reports_after_the_tenth_of_the_next_month(
    client: TestClient, world: World, settings: Settings
) -> None:
    a, b, town, outside = (world.enterprises[k] for k in ("a", "b", "town", "outside"))
    submit(client, world, [month(a, "2022-03", tce=1), month(b, "2022-03", tce=1)])
    # Registered this year: no report was owed for 2022-03 by anyone without one.
    assert (
        run_direct(world, settings, "missing-reports", "2022-03", today=date(2022, 4, 11)).alerts
        == []
    )
    registered_long_ago(world)
    # The due date itself, 2022-04-10, is still in time.
    on_time = run_direct(world, settings, "missing-reports", "2022-03", today=date(2022, 4, 10))
    assert on_time.alerts == [] and on_time.run.checked == 4
    late = run_direct(world, settings, "missing-reports", "2022-03", today=date(2022, 4, 11))
    # town and outside (above size) have none; small is below designated size.
    found = {e.uscc: a_ for a_, e in late.alerts}
    assert set(found) == {town, outside}
    # One day overdue: 2022-04-11 − 2022-04-10.
    assert {(x.kind, x.severity, x.value, x.unit) for x in found.values()} == {
        ("missing_report", "warning", 1.0, "d")
    }
    # town reports late; the re-run resolves its alert and counts outside's days on.
    submit(client, world, [month(town, "2022-03", tce=1)])
    later = run_direct(world, settings, "missing-reports", "2022-03", today=date(2022, 4, 20))
    assert [(e.uscc, x.value) for x, e in later.alerts] == [(outside, 10.0)]
    assert later.summary is not None and later.summary.resolved == 1
    stored = {u: x for x, u in alerts(world, kind="missing_report")}
    assert (stored[town].status, stored[town].resolution) == ("resolved", "cleared")
    assert len(stored) == 2


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CARBON_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_prints_what_it_flagged(client: TestClient, world: World, cli_env: None) -> None:
    b = world.enterprises["b"]
    _limit(client, world, "b")
    submit(client, world, [month(b, "2022-01", tce=600)])
    result = CliRunner().invoke(cli, ["jobs", "run", "intensity-check", "--period", "2022-01"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].split() == [
        "USCC",
        "PARK",
        "KIND",
        "SEVERITY",
        "VALUE",
        "LIMIT",
        "UNIT",
        "MONTHS",
        "STATUS",
    ]
    # 600 ÷ 1000 = 0.6 against 0.5: serious.
    assert lines[1].split() == [
        b,
        "QIAOHE",
        "energy_intensity_overrun",
        "serious",
        "0.6",
        "0.5",
        "tce/万元",
        "1",
        "open",
    ]
    assert "1 flagged (1 new)" in result.stderr
    assert [(r.job, r.trigger, r.outcome) for r in _runs(world)] == [
        ("intensity-check", "cli", "succeeded")
    ]
    as_json = CliRunner().invoke(
        cli, ["jobs", "run", "intensity-check", "--period", "2022-01", "--json"]
    )
    assert as_json.exit_code == 0
    assert [x["uscc"] for x in json.loads(as_json.stdout)["alerts"]] == [b]


def test_cli_missing_reports_and_bad_input(client: TestClient, world: World, cli_env: None) -> None:
    registered_long_ago(world)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["jobs", "run", "missing-reports", "--period", "2022-03", "--today", "2022-04-11"]
    )
    assert result.exit_code == 0, result.output
    flagged = {line.split()[0] for line in result.stdout.strip().splitlines()[1:]}
    assert flagged == {world.enterprises[k] for k in ("a", "b", "town", "outside")}
    for args in (
        ["jobs", "run", "intensity-check", "--period", "2022-13"],
        ["jobs", "run", "nope", "--period", "2022-01"],
        ["jobs", "run", "missing-reports", "--period", "2022-03", "--today", "yesterday"],
    ):
        bad = runner.invoke(cli, args)
        assert bad.exit_code == 2 and bad.stdout == ""
    assert len(_runs(world)) == 1


# --------------------------------------------------------------------------- webhooks


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Hook.received.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def hook_server() -> Iterator[str]:
    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_new_alerts_are_posted_to_each_parks_webhook(
    client: TestClient,
    world: World,
    settings: Settings,
    hook_server: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    a, b = world.enterprises["a"], world.enterprises["b"]
    _limit(client, world, "a")
    _limit(client, world, "b")
    submit(client, world, [month(a, "2022-01", tce=600), month(b, "2022-01", tce=600)])
    hooked = settings.model_copy(
        update={
            "alert_webhooks": {
                "QIAOHE": f"{hook_server}/qiaohe",
                "*": f"{hook_server}/district",
                "BEIDU": "http://127.0.0.1:9/closed",  # nothing listens: logged, not fatal
            },
            "webhook_timeout_seconds": 2.0,
        }
    )
    with caplog.at_level(logging.WARNING, logger="carbon.jobs.notify"):
        report = run_direct(world, hooked, "intensity-check", "2022-01")
    assert report.succeeded
    assert "failed" in caplog.text and "127.0.0.1:9" in caplog.text
    got = {path: body for path, body in _Hook.received}
    assert set(got) == {"/qiaohe", "/district"}
    assert [x["uscc"] for x in got["/qiaohe"]["alerts"]] == [b]
    assert sorted(x["uscc"] for x in got["/district"]["alerts"]) == sorted([a, b])
    assert got["/qiaohe"]["period"] == "2022-01" and got["/qiaohe"]["job"] == "intensity-check"
    assert got["/qiaohe"]["alerts"][0]["severity"] == "serious"
    # A re-run finds nothing new: nothing is sent again.
    _Hook.received = []
    assert run_direct(world, hooked, "intensity-check", "2022-01").succeeded
    assert _Hook.received == []
