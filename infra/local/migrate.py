"""``make migrate``: apply migrations to DATABASE_URL, or to the embedded PostgreSQL in .local/."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from creativebot.db.migrate import MigrationError, migrate
from infra.local.postgres import ensure_database, start_embedded


def main() -> int:
    url = os.environ.get("DATABASE_URL")
    server = None
    if not url:
        server = start_embedded(Path(os.environ.get("LOCAL_DATA_DIR", ".local")) / "pg")
        url = asyncio.run(ensure_database(server.get_uri(), "creativebot"))
    try:
        applied = asyncio.run(migrate(url))
    except MigrationError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.cleanup()
    print(
        f"migrations applied: {len(applied)}"
        + (f" ({', '.join(m.file_name for m in applied)})" if applied else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
