"""The Literals Python uses for stored states match what the tables' CHECK constraints allow."""

from __future__ import annotations

import re
from typing import get_args

import pytest

from creativebot import jobs
from creativebot.db import Pool


async def _allowed(pool: Pool, table: str, column: str) -> set[str]:
    """The values a column's ``CHECK (column IN (...))`` constraint allows."""
    definitions = await pool.fetch(
        """
        SELECT pg_get_constraintdef(c.oid) AS definition
          FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
         WHERE t.relname = $1 AND c.contype = 'c'
        """,
        table,
    )
    for row in definitions:
        match = re.search(rf"\(?{column} = ANY \(ARRAY\[(.*?)\]\)", row["definition"])
        if match:
            return set(re.findall(r"'([^']*)'", match.group(1)))
    raise AssertionError(f"no CHECK on {table}.{column}")


@pytest.mark.parametrize(
    ("table", "column", "literal"),
    [("jobs", "status", jobs.JobStatus), ("jobs", "payment", jobs.JobPayment)],
)
async def test_python_and_sql_agree_on_the_allowed_values(
    pool: Pool, table: str, column: str, literal: object
) -> None:
    assert await _allowed(pool, table, column) == set(get_args(literal))


def test_terminal_and_open_states_cover_every_status() -> None:
    assert set(jobs.TERMINAL) | set(jobs.OPEN) == set(jobs.STATUSES)
    assert not set(jobs.TERMINAL) & set(jobs.OPEN)
