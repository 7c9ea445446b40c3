"""The ``carbon`` command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from api.settings import get_settings

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
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")

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
    """Serve the API (docs at /docs)."""
    import uvicorn

    from api.main import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


if __name__ == "__main__":
    app()
