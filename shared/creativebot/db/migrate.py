"""Schema migrations: numbered ``.sql`` files applied in order, each in its own transaction.

Rules the runner enforces:
- files are named ``NNNN_name.sql``; versions are unique and applied in ascending order;
- every applied file is recorded in ``schema_migrations`` (version, name, checksum, applied_at);
- a file that fails rolls back whole and the error names it; later files are not tried;
- an applied file whose contents changed is refused (write a new migration instead);
- concurrent runners serialize on an advisory lock, so each migration is applied exactly once.

Run it with ``python -m creativebot.db.migrate`` (uses DATABASE_URL) or ``make migrate``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from creativebot.observability import log_event

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# pg_advisory_lock key shared by every runner of this project: the bytes of "cb-migr".
ADVISORY_LOCK_KEY = int.from_bytes(b"cb-migr", "big")
_FILE_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")


class MigrationError(RuntimeError):
    """A migration could not be applied; the message names the file."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path
    sql: str
    checksum: str

    @property
    def file_name(self) -> str:
        return self.path.name


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files of ``directory`` in version order."""
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.fullmatch(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files must be named NNNN_name.sql")
        sql = path.read_text(encoding="utf-8")
        checksum = hashlib.sha256(sql.encode()).hexdigest()
        migrations.append(Migration(int(match.group(1)), match.group(2), path, sql, checksum))
    versions = [m.version for m in migrations]
    if len(versions) != len(set(versions)):
        raise MigrationError(f"{directory}: two migration files share a version number")
    return migrations


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def migrate(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply every pending migration of ``directory``; return the ones this call applied."""
    migrations = discover(directory)
    conn: asyncpg.Connection = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
        try:
            return await _apply_pending(conn, migrations)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
    finally:
        await conn.close()


async def _apply_pending(conn: asyncpg.Connection, migrations: list[Migration]) -> list[Migration]:
    await conn.execute(_CREATE_TABLE)
    applied = {
        row["version"]: row
        for row in await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
    }
    for migration in migrations:
        row = applied.get(migration.version)
        if row is not None and row["checksum"] != migration.checksum:
            raise MigrationError(
                f"{migration.file_name}: already applied, but the file has changed since; "
                "applied migrations are immutable, add a new one instead"
            )
    done: list[Migration] = []
    for migration in migrations:
        if migration.version in applied:
            continue
        try:
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
        except asyncpg.PostgresError as exc:
            raise MigrationError(f"{migration.file_name}: {type(exc).__name__}: {exc}") from exc
        log_event("MIGRATION_APPLIED", version=migration.version, migration=migration.file_name)
        done.append(migration)
    return done


async def current_version(conn: asyncpg.Connection) -> int | None:
    """The highest applied migration version, or None on a database never migrated."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return None
    version: int | None = await conn.fetchval("SELECT max(version) FROM schema_migrations")
    return version


def main() -> int:
    from creativebot.config import ConfigError, DatabaseOnlySettings, get_settings  # noqa: PLC0415

    try:
        dsn = get_settings(DatabaseOnlySettings).db.database_url.get_secret_value()
        applied = asyncio.run(migrate(dsn))
    except (ConfigError, MigrationError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    sys.stdout.write(f"migrations applied: {len(applied)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
