"""The command line a newcomer uses: migrations and tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import get_settings


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CARBON_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_db_upgrade_then_token_create_prints_the_token_alone(cli_db: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["token", "create", "--role", "admin"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ck_")


def test_token_create_refuses_a_scope_that_does_not_exist(cli_db: str) -> None:
    runner = CliRunner()
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(app, ["token", "create", "--role", "park_manager", "--park", "NOPE"])
    assert result.exit_code == 2
    assert result.stdout.strip() == ""
    result = runner.invoke(app, ["token", "create", "--role", "wizard"])
    assert result.exit_code == 2


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "token", "serve"):
        assert command in result.stdout
