"""Migrations on real PostgreSQL: order, idempotence, concurrency, failure and tamper detection."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

from creativebot.db.migrate import MIGRATIONS_DIR, MigrationError, current_version, discover, migrate


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row["tablename"] for row in rows}
    finally:
        await conn.close()


async def _applied(url: str) -> list[tuple[int, str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
        return [(row["version"], row["name"]) for row in rows]
    finally:
        await conn.close()


def _copy_migrations(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, target)
    return target


async def test_all_migrations_apply_on_an_empty_database_in_order(empty_database_url: str) -> None:
    # Given: a database with no tables
    expected = [(m.version, m.name) for m in discover()]
    # When
    applied = await migrate(empty_database_url)
    # Then: every file was applied once, in version order, and recorded
    assert [(m.version, m.name) for m in applied] == expected
    assert await _applied(empty_database_url) == expected
    assert {"users", "schema_migrations"} <= await _tables(empty_database_url)
    conn = await asyncpg.connect(empty_database_url)
    try:
        assert await current_version(conn) == expected[-1][0]
    finally:
        await conn.close()


async def test_rerun_is_a_no_op(empty_database_url: str) -> None:
    # Given: a fully migrated database
    await migrate(empty_database_url)
    before = await _applied(empty_database_url)
    # When: the runner runs again
    applied_again = await migrate(empty_database_url)
    # Then: nothing new is applied and the record is unchanged
    assert applied_again == []
    assert await _applied(empty_database_url) == before


async def test_two_concurrent_runners_apply_each_migration_exactly_once(empty_database_url: str) -> None:
    # Given: two runners started at the same moment
    # When
    first, second = await asyncio.gather(migrate(empty_database_url), migrate(empty_database_url))
    # Then: together they applied every migration once; the loser found nothing left to do
    versions = sorted(m.version for m in [*first, *second])
    assert versions == [m.version for m in discover()]
    assert [] in (first, second)
    assert len(await _applied(empty_database_url)) == len(versions)


async def test_a_broken_migration_leaves_the_database_unchanged_and_names_the_file(
    empty_database_url: str, tmp_path: Path
) -> None:
    # Given: the real migrations plus one that creates a table and then fails
    directory = _copy_migrations(tmp_path)
    broken = directory / "0999_broken.sql"
    broken.write_text("CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n", encoding="utf-8")
    # When
    with pytest.raises(MigrationError) as error:
        await migrate(empty_database_url, directory)
    # Then: the error names the file, its table was rolled back and it is not recorded
    assert "0999_broken.sql" in str(error.value)
    assert "half_done" not in await _tables(empty_database_url)
    assert 999 not in [version for version, _ in await _applied(empty_database_url)]
    # ... and once fixed, it applies
    broken.write_text("CREATE TABLE half_done (id int);\n", encoding="utf-8")
    assert [m.version for m in await migrate(empty_database_url, directory)] == [999]


async def test_a_changed_applied_migration_is_refused(empty_database_url: str, tmp_path: Path) -> None:
    # Given: a database migrated from a copy of the files
    directory = _copy_migrations(tmp_path)
    await migrate(empty_database_url, directory)
    first = sorted(directory.glob("*.sql"))[0]
    # When: an applied file is edited afterwards
    first.write_text(first.read_text(encoding="utf-8") + "\n-- edited later\n", encoding="utf-8")
    # Then: the runner refuses, naming the file
    with pytest.raises(MigrationError, match=first.name):
        await migrate(empty_database_url, directory)


def test_badly_named_files_are_refused(tmp_path: Path) -> None:
    # Given: a file that does not follow NNNN_name.sql
    (tmp_path / "1_users.sql").write_text("SELECT 1;", encoding="utf-8")
    # Then
    with pytest.raises(MigrationError, match=r"1_users\.sql"):
        discover(tmp_path)
