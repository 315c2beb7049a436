"""Operator tools: `make migrate` needs a named target, and the Makefile installs only what each target needs."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local import migrate as migrate_tool

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_local_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting the embedded PostgreSQL is a failure in these tests."""

    def refuse(_path: Path) -> Any:
        raise AssertionError("the embedded database was started")

    monkeypatch.setattr(migrate_tool, "start_embedded", refuse)


@pytest.fixture
def secrets_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No region in the shell and a fresh Powertools Secrets Manager client."""
    from aws_lambda_powertools.utilities.parameters import constants

    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delitem(constants.DEFAULT_PROVIDERS, "secrets", raising=False)
    yield
    constants.DEFAULT_PROVIDERS.pop("secrets", None)


@pytest.mark.usefixtures("no_local_database")
def test_migrate_without_a_target_refuses_and_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert migrate_tool.main([]) == 2
    err = capsys.readouterr().err
    assert "DATABASE_URL" in err and "APP_SECRETS_ID" in err and "make migrate-local" in err


@pytest.mark.usefixtures("no_local_database")
def test_migrate_applies_to_database_url(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    assert migrate_tool.main([]) == 0
    out = capsys.readouterr().out
    assert f"migrating {migrate_tool.describe(empty_database_url)}" in out
    assert "migrations applied: 0" not in out
    # a second run has nothing left to do
    assert migrate_tool.main([]) == 0
    assert "migrations applied: 0" in capsys.readouterr().out


@pytest.mark.usefixtures("no_local_database", "secrets_in")
def test_migrate_reads_database_url_from_the_secret_in_the_named_region(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-west-1")
        client.create_secret(
            Name="creativebot/ops", SecretString=json.dumps({"DATABASE_URL": empty_database_url})
        )
        monkeypatch.setenv("APP_SECRETS_ID", "creativebot/ops")
        assert migrate_tool.main(["--region", "eu-west-1"]) == 0
    assert "migrations applied:" in capsys.readouterr().out


@pytest.mark.usefixtures("no_local_database", "secrets_in")
def test_migrate_with_a_secret_name_but_no_region_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_SECRETS_ID", "creativebot/ops")
    assert migrate_tool.main([]) == 1
    assert "REGION" in capsys.readouterr().err


@pytest.mark.usefixtures("no_local_database")
def test_an_unreachable_database_fails_without_showing_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://ops:hunter2-not-real@127.0.0.1:1/creativebot")
    assert migrate_tool.main([]) == 1
    captured = capsys.readouterr()
    assert "cannot migrate the database" in captured.err
    assert "hunter2" not in captured.out + captured.err
    assert "migrating ops@127.0.0.1:1/creativebot" in captured.out


def test_describe_never_shows_a_password() -> None:
    assert (
        migrate_tool.describe("postgresql://u:secret@db.example.com:5432/app") == "u@db.example.com:5432/app"
    )
    assert migrate_tool.describe("postgresql://u@/app?host=/run/pg") == "u@/run/pg/app"


@pytest.mark.usefixtures("no_local_database")
def test_migrate_local_uses_database_url_when_make_run_would(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    assert migrate_tool.main(["--local"]) == 0


def test_migrate_local_starts_the_embedded_database_without_database_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, empty_database_url: str
) -> None:
    started: list[Path] = []

    class Server:
        def get_uri(self) -> str:
            return empty_database_url

        def cleanup(self) -> None:
            started.append(Path("stopped"))

    def fake_start(path: Path) -> Server:
        started.append(path)
        return Server()

    async def same_database(url: str, _name: str) -> str:
        return url

    monkeypatch.setattr(migrate_tool, "start_embedded", fake_start)
    monkeypatch.setattr(migrate_tool, "ensure_database", same_database)
    monkeypatch.setenv("LOCAL_DATA_DIR", str(tmp_path))
    assert migrate_tool.main(["--local"]) == 0
    assert started == [tmp_path / "pg", Path("stopped")]


# --- the Makefile: what each target installs and runs --------------------------------------------------


def _make(*args: str, **env: str) -> str:
    """`make -n` (print, do not run) in a clean environment, with a virtualenv that does not exist yet."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE"))} | env
    done = subprocess.run(  # noqa: S603 - make with fixed arguments
        ["make", "--no-print-directory", "-n", "VENV=/nonexistent/venv", *args],  # noqa: S607 - make from PATH
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.replace("\\\n", " ")


@pytest.mark.parametrize("target", ["run", "migrate", "migrate-local", "set-webhook", "invoke"])
def test_running_and_operating_install_only_the_runtime(target: str) -> None:
    commands = _make(target)
    assert "-e '.[local]'" in commands
    assert ".[dev]" not in commands


@pytest.mark.parametrize("target", ["test", "lint", "format"])
def test_testing_installs_the_dev_toolchain(target: str) -> None:
    assert "-e '.[dev]'" in _make(target)


def test_operator_targets_pass_the_region() -> None:
    assert "set_webhook --region eu-west-1" in _make("set-webhook", "REGION=eu-west-1")
    assert "--drop-pending-updates" in _make("set-webhook", "DROP=1")
    assert "infra.local.migrate --region eu-north-1" in _make("migrate", AWS_REGION="eu-north-1")
    assert "--region" not in _make("migrate").split("infra.local.migrate", 1)[1].splitlines()[0]
    assert "infra.local.migrate --local" in _make("migrate-local")


@pytest.mark.parametrize("stage", ["staging", "production"])
def test_deploy_builds_deploys_migrates_registers_and_smoke_tests(stage: str) -> None:
    commands = _make("deploy", f"STAGE={stage}", "SAM=sam", "AWS=aws", "GIT_SHA=0123abcd")
    steps = [
        f"sam build --config-file {ROOT / 'samconfig.toml'} --config-env {stage}",
        f"sam deploy --config-file {ROOT / 'samconfig.toml'} --config-env {stage}",
        "lambda invoke",
        "set_webhook --region eu-central-1",
        '"$SMOKE_PY" "$base" "0123abcd"',
    ]
    positions = [commands.find(step) for step in steps]
    assert all(p >= 0 for p in positions), dict(zip(steps, positions, strict=True))
    assert positions == sorted(positions)
    deploy = next(line for line in commands.splitlines() if "sam deploy" in line)
    assert f"Stage={stage}" in deploy and "GitSha=0123abcd" in deploy
    assert f"--stack-name {stage}-creativebot" in commands
    invoke = next(line for line in commands.splitlines() if "lambda invoke" in line)
    assert "--cli-binary-format raw-in-base64-out" in invoke
    assert """--payload '{"task": "migrate"}'""" in invoke
    assert "--cli-read-timeout 150" in invoke  # above cron's 120 s, so the CLI never retries the call


def test_deploy_of_an_unknown_stage_stops_before_anything(tmp_path: Path) -> None:
    done = subprocess.run(
        [  # noqa: S607 - make from PATH, as a developer runs it
            "make",
            "--no-print-directory",
            "deploy",
            "STAGE=nope",
            "SAM=true",
            "AWS=true",
            "VENV=/nonexistent/venv",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "no stack_name for STAGE=nope" in done.stderr
    assert "pip install" not in done.stdout
