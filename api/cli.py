"""The ``carbon`` command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from api.settings import get_settings

if TYPE_CHECKING:
    from api.jobs.runner import RunReport

app = typer.Typer(
    help=(
        "Qijiang green-manufacturing and carbon-accounting service.\n\n"
        "The database is CARBON_DATABASE_URL (default: sqlite:///./carbon.db). A first run: "
        "`carbon db upgrade`, `carbon demo load`, `carbon token create --role admin`, "
        "`carbon serve`."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
jobs_app = typer.Typer(help="The scheduled checks, run by hand.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(jobs_app, name="jobs")
demo_app = typer.Typer(help="The demonstration district.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")

err = Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply migrations to the database in CARBON_DATABASE_URL."""
    from api.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    err.print(f"[green]database at {revision}[/green]")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision")]) -> None:
    """Revert migrations down to REVISION (\"base\" empties the schema)."""
    from api.migrate import downgrade

    downgrade(get_settings().database_url, revision)
    err.print(f"[yellow]database at {revision}[/yellow]")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, park_manager or enterprise")],
    park: Annotated[str | None, typer.Option(help="Park code, for a park_manager token")] = None,
    enterprise: Annotated[str | None, typer.Option(help="USCC, for an enterprise token")] = None,
    label: Annotated[str | None, typer.Option(help="A note on who holds the token")] = None,
) -> None:
    """Create a token and print it, alone, on stdout. It is shown only this once."""
    from api.auth.principal import Role
    from api.auth.tokens import create_token
    from api.db import make_engine, session_scope
    from carbon.errors import CarbonError

    try:
        role_ = Role(role)
    except ValueError:
        err.print(f"[red]unknown role {role!r}; use admin, park_manager or enterprise[/red]")
        raise typer.Exit(2) from None
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            token = create_token(
                session,
                role_,
                park_code=park,
                uscc=enterprise.strip().upper() if enterprise else None,
                label=label,
            )
    except CarbonError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    typer.echo(token)


@token_app.command("revoke")
def token_revoke(
    key_id: Annotated[str, typer.Argument(help="The part after ck_, before the next _")],
) -> None:
    """Revoke a token by its key id."""
    from api.auth.tokens import revoke_token
    from api.db import make_engine, session_scope
    from carbon.errors import CarbonError

    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            revoke_token(session, key_id)
    except CarbonError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    err.print(f"token {key_id} revoked")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the API (docs at /docs).

    With several workers each binds the port itself (SO_REUSEPORT, on Linux), so that the
    kernel spreads connections evenly over them (see :mod:`api.serving`).
    """
    import uvicorn

    from api.main import configure_logging
    from api.serving import reuse_port_supported, run_workers

    settings = get_settings()
    configure_logging(settings.log_level)
    # One line per request only when INFO is logged: otherwise uvicorn still formats it.
    access_log = settings.log_level.upper() in ("DEBUG", "INFO")
    if workers > 1 and reuse_port_supported():
        status = run_workers(
            "api.main:create_app",
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            access_log=access_log,
        )
        raise typer.Exit(status)
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=access_log,
    )


@jobs_app.command("run")
def jobs_run(
    name: Annotated[str, typer.Argument(help="intensity-check or missing-reports")],
    period: Annotated[str, typer.Option(help="The month to check, YYYY-MM")],
    today: Annotated[
        str | None,
        typer.Option(help="Judge as of this date, YYYY-MM-DD (default: today in the district)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON")] = False,
) -> None:
    """Run a scheduled job for one month now and print what it flagged.

    One line per alert on stdout (enterprise, kind, severity, value against limit); a summary
    on stderr. Exit status 1 if the job failed (it then wrote no alert), 2 for bad input.
    """
    from datetime import date

    from api.clock import district_today
    from api.db import make_engine
    from api.jobs.registry import JOBS
    from api.jobs.runner import run_job
    from api.main import configure_logging
    from carbon.errors import InvalidInput
    from carbon.periods import parse_period

    settings = get_settings()
    configure_logging("WARNING")
    if name not in JOBS:
        err.print(f"[red]no job named {name!r}; jobs: {', '.join(sorted(JOBS))}[/red]")
        raise typer.Exit(2)
    try:
        day = date.fromisoformat(today) if today else district_today(settings)
        month = parse_period(period, today=day)
    except (InvalidInput, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    engine = make_engine(settings.database_url)
    try:
        report = run_job(engine, name, month, trigger="cli", settings=settings, today=day)
    finally:
        engine.dispose()
    run = report.run
    if as_json:
        from api.jobs.service import report_out

        typer.echo(report_out(report).model_dump_json(indent=2))
    elif report.succeeded:
        _print_alerts(report)
    if not report.succeeded:
        typer.echo(f"{name} {month}: run {run.id} failed: {run.error}", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"{name} {month}: run {run.id} succeeded; {run.checked} enterprises checked, "
        f"{run.flagged} flagged ({run.created} new), {run.resolved} resolved as cleared",
        err=True,
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _print_alerts(report: RunReport) -> None:
    """One aligned line per alert on stdout, a header first."""
    if not report.alerts:
        return
    rows = [("USCC", "PARK", "KIND", "SEVERITY", "VALUE", "LIMIT", "UNIT", "MONTHS", "STATUS")]
    for alert, ent in report.alerts:
        rows.append(
            (
                ent.uscc,
                ent.park_code or "-",
                alert.kind,
                alert.severity,
                _fmt(alert.value),
                _fmt(alert.limit_value),
                alert.unit or "-",
                str(alert.consecutive_months),
                alert.status,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


@jobs_app.command("list")
def jobs_list() -> None:
    """The jobs, their schedules and last runs."""
    from sqlmodel import Session

    from api.db import make_engine
    from api.jobs.service import list_jobs

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            jobs = list_jobs(session, settings)
    finally:
        engine.dispose()
    for job in jobs:
        last = job.last_run
        seen = f"last run {last.period} {last.outcome}" if last else "never run"
        typer.echo(f"{job.name}\t{job.schedule or 'off'}\t{seen}\t{job.description}")


@app.command("scheduler")
def scheduler() -> None:
    """Run the scheduled jobs (one process per deployment) until interrupted.

    Schedules come from CARBON_SCHEDULER_INTENSITY_CRON and CARBON_SCHEDULER_MISSING_CRON
    (crontab, '@every 30s' or 'off'); each firing checks the previous month.
    """
    from api.jobs.scheduler import run_scheduler
    from api.main import configure_logging
    from carbon.errors import InvalidInput

    settings = get_settings()
    configure_logging(settings.log_level)
    try:
        run_scheduler(settings)
    except InvalidInput as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when enterprises are already registered")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the generator")] = 2021,
    through: Annotated[
        str | None, typer.Option(help="Last month to report, YYYY-MM (default: the last full one)")
    ] = None,
    checks: Annotated[
        bool,
        typer.Option(help="Run the scheduled checks over the last 12 months after loading"),
    ] = True,
) -> None:
    """Load the DEMONSTRATION district: invented enterprises (names with 示范) and their monthly
    reports from 2020-01, calibrated to the plan's 2020 figures. One transaction; the reports go
    through the batch import."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from api.clock import district_today
    from api.db import make_engine
    from api.demo.load import load_demo, run_demo_checks
    from carbon.errors import CarbonError
    from carbon.periods import parse_period

    settings = get_settings()
    today = district_today(settings)
    try:
        last = parse_period(through, today=today) if through else None
    except CarbonError as exc:
        err.print(f"[red]--through: {exc}[/red]")
        raise typer.Exit(2) from None
    bar = Progress(
        TextColumn("[bold]demo load[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    )

    class _Bar:
        task = bar.add_task("generating the district", total=None)

        def begin(self, total: int) -> None:
            bar.update(self.task, total=total)

        def step(self, description: str) -> None:
            bar.update(self.task, advance=1, description=description)

    engine = make_engine(settings.database_url)
    found = None
    try:
        with bar:
            summary = load_demo(
                engine, today=today, seed=seed, through=last, if_empty=if_empty, progress=_Bar()
            )
        if summary.loaded and checks and summary.through:
            bar.update(_Bar.task, completed=0, description="scheduled checks")
            with bar:
                found = run_demo_checks(
                    engine,
                    settings=settings,
                    through=parse_period(summary.through, today=today),
                    today=today,
                    progress=_Bar(),
                )
    except CarbonError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if not summary.loaded:
        err.print(f"demo load skipped: {summary.skipped}")
        return
    err.print(
        "[bold yellow]Loaded DEMONSTRATION data[/bold yellow] (invented enterprises, names with "
        f"示范; seed {summary.seed}): {summary.parks} parks, {summary.enterprises} enterprises, "
        f"{summary.reports} monthly reports ({summary.lines} lines) {summary.first} to "
        f"{summary.through}, {summary.certifications} green certifications, {summary.limits} "
        f"energy-intensity limits, in {summary.seconds:.1f} s."
    )
    if found is not None:
        err.print(
            f"Ran the scheduled checks over the last 12 months: {found.runs} runs, "
            f"{found.flagged} alerts flagged, {found.failed} failed."
        )


if __name__ == "__main__":
    app()
