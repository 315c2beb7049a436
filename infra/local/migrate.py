"""``make migrate`` and ``make migrate-local``: apply the schema migrations to a database you name.

``make migrate`` needs a target and refuses to guess one: DATABASE_URL, or APP_SECRETS_ID naming the
Secrets Manager secret whose DATABASE_URL the functions use (read through the functions' own loader, in
REGION / AWS_REGION, or the region inside an APP_SECRETS_ID that is an ARN). It never falls back to the
local database. A database inside a VPC is migrated by the cron function instead (``make deploy`` does it).

``make migrate-local`` migrates the database ``make run`` uses: DATABASE_URL if set, else the embedded
PostgreSQL in LOCAL_DATA_DIR (``.local``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

from creativebot.config import SECRETS_ID_ENV, ConfigError, DatabaseOnlySettings, get_settings
from creativebot.db.migrate import MigrationError, migrate
from infra.local.postgres import ensure_database, start_embedded

NO_TARGET = (
    "make migrate: no target database. Set DATABASE_URL=postgresql://…, or APP_SECRETS_ID (the secret the "
    "functions read) with REGION=… ; for the local database run `make migrate-local`. A database inside a "
    "VPC is migrated through the cron function (see docs/operations.md)."
)


def describe(url: str) -> str:
    """Where a URL points, without its password: ``user@host:port/db``."""
    parts = urlsplit(url)
    host = parts.hostname or ",".join(parse_qs(parts.query).get("host", [])) or "?"
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{user}{host}{port}{parts.path or '/'}"


def use_region(region: str | None) -> None:
    """The region boto3 reads the secret in: --region, AWS_REGION, AWS_DEFAULT_REGION or the secret's ARN."""
    secret_id = os.environ.get(SECRETS_ID_ENV, "")
    arn_parts = secret_id.split(":")
    arn_region = arn_parts[3] if secret_id.startswith("arn:") and len(arn_parts) > 3 else ""
    chosen = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or arn_region
    if not chosen:
        raise ConfigError(f"{SECRETS_ID_ENV} is set but no AWS region is: pass REGION=… or set AWS_REGION")
    os.environ["AWS_REGION"] = chosen
    os.environ["AWS_DEFAULT_REGION"] = chosen


def remote_target(region: str | None) -> str | None:
    """DATABASE_URL from the environment or from the functions' secret; None when neither is named."""
    if not os.environ.get("DATABASE_URL") and not os.environ.get(SECRETS_ID_ENV):
        return None
    if not os.environ.get("DATABASE_URL"):
        use_region(region)
    url: str = get_settings(DatabaseOnlySettings).db.database_url.get_secret_value()
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--local", action="store_true", help="the database make run uses (make migrate-local)"
    )
    parser.add_argument("--region", help="AWS region of the APP_SECRETS_ID secret")
    args = parser.parse_args(argv)
    server: Any = None
    try:
        if args.local:
            url = os.environ.get("DATABASE_URL") or ""
            if not url:
                server = start_embedded(Path(os.environ.get("LOCAL_DATA_DIR", ".local")) / "pg")
                url = asyncio.run(ensure_database(server.get_uri(), "creativebot"))
        else:
            target = remote_target(args.region)
            if target is None:
                print(NO_TARGET, file=sys.stderr)
                return 2
            url = target
        print(f"migrating {describe(url)}")
        applied = asyncio.run(migrate(url))
    except (ConfigError, MigrationError) as exc:
        print(exc, file=sys.stderr)
        return 1
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        print(f"cannot migrate the database: {type(exc).__name__}: {exc}", file=sys.stderr)
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
