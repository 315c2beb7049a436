"""Payments against the ledger and the audit log: every disagreement, named.

- a paid or refunded payment is credited by exactly its ``ledger_ref`` entry (kind ``topup``, its amount,
  its payer); a payment never paid has no ledger ref;
- a refunded payment's reversal and write-off add up to what it credited (``refund_debit`` +
  ``written_off`` = ``kopecks``, each matching its ledger entry), its refund hold is settled, and the audit
  log has its ``payment.refunded`` entry;
- a reviewed manual transfer has the operator's ``payment.approve`` or ``payment.reject`` entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from creativebot.db import Connection, Pool
from creativebot.observability import log_event


@dataclass(frozen=True)
class Disagreement:
    payment_id: int
    problem: str


_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "not credited by its ledger entry",
        """
        SELECT p.id FROM payments p
          LEFT JOIN ledger l ON l.kind = 'topup' AND l.ref = p.ledger_ref
         WHERE p.state IN ('paid', 'refunded') AND p.kopecks > 0
           AND (l.id IS NULL OR l.amount <> p.kopecks OR l.user_id <> p.user_id)
        """,
    ),
    (
        "has a ledger ref but was never paid",
        "SELECT id FROM payments WHERE state IN ('pending', 'failed', 'expired') AND ledger_ref IS NOT NULL",
    ),
    (
        "refund debit differs from its reversal",
        """
        SELECT p.id FROM payments p
          LEFT JOIN ledger r ON r.kind = 'reversal' AND r.ref = 'payment:' || p.id
         WHERE p.state = 'refunded' AND coalesce(-r.amount, 0) <> p.refund_debit
        """,
    ),
    (
        "written-off amount differs from its write-off",
        """
        SELECT p.id FROM payments p
          LEFT JOIN ledger w ON w.kind = 'writeoff' AND w.ref = 'payment:' || p.id
         WHERE p.state = 'refunded' AND coalesce((w.meta ->> 'kopecks')::bigint, 0) <> p.written_off
        """,
    ),
    (
        "refund hold left unsettled",
        """
        SELECT p.id FROM payments p
          JOIN ledger h ON h.kind = 'hold' AND h.ref = 'stars-refund:' || p.id
         WHERE (p.state = 'refunded' OR p.refund_requested_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM ledger s WHERE s.kind = 'release' AND s.ref = h.ref)
        """,
    ),
    (
        "refund missing from the audit log",
        """
        SELECT p.id FROM payments p
         WHERE p.state = 'refunded'
           AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'payment.refunded' AND a.target = 'payment:' || p.id)
        """,
    ),
    (
        "review missing from the audit log",
        """
        SELECT p.id FROM payments p
         WHERE p.method = 'manual' AND p.reviewed_by IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM audit_log a
                            WHERE a.action IN ('payment.approve', 'payment.reject') AND a.target = 'payment:' || p.id)
        """,
    ),
)


async def verify_payments(db: Pool | Connection) -> list[Disagreement]:
    """Every payment whose state, ledger entries and audit entries disagree (logged as an error)."""
    found = [Disagreement(row["id"], problem) for problem, query in _CHECKS for row in await db.fetch(query)]
    if found:
        log_event(
            "PAYMENT_INVARIANT_VIOLATION",
            level="error",
            count=len(found),
            violations=json.dumps([d.__dict__ for d in found[:20]]),
        )
    return found
