"""Monthly accrual of the programs, set-based in PostgreSQL (Rules of money 3).

Each program is one ``INSERT … SELECT … GROUP BY`` into ``finance_accrual`` that skips natural keys already
accrued (``ON CONFLICT … DO NOTHING`` on the unique constraint) and, in the same statement, appends the
ledger entries of exactly the rows it inserted. Running a month twice, concurrently, or again after a worker
died mid-way leaves the same accruals and the same ledger.

Paid consumption is cost minus credits (grants) minus marketplace products; the partner's own subaccounts
never earn anything.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction

from .models import POOL_OF_PROGRAM, Program

# One month's paid consumption per subaccount, from the monthly aggregates.
PAID = """
SELECT m.partner_id, m.subaccount_id, s.account_id, m.currency,
       sum(m.cost - m.credit - m.marketplace_cost) AS paid
FROM finance_monthlyconsumption m
JOIN subaccounts_subaccount s ON s.id = m.subaccount_id
WHERE m.month = %(month)s AND m.partner_id = %(partner)s AND NOT s.is_partner_own
GROUP BY m.partner_id, m.subaccount_id, s.account_id, m.currency
"""

# The term of a program valid in the month (the latest one that started by then).
TERM = """
SELECT id, rate, cap, threshold FROM finance_rebateterm
WHERE program = %(program)s AND condition = '' AND valid_from <= %(month)s
  AND (valid_to IS NULL OR valid_to >= %(month)s)
ORDER BY valid_from DESC LIMIT 1
"""

BASES = {
    # base partner bonus: every paying subaccount
    Program.PARTNER_BONUS: f"""
        SELECT p.partner_id, p.subaccount_id, '' AS source, p.paid AS basis, p.currency FROM ({PAID}) p
    """,
    # deal extra: subaccounts of customers with an approved deal registration
    Program.DEAL_EXTRA: f"""
        SELECT p.partner_id, p.subaccount_id, 'registration:' || r.id AS source, p.paid AS basis, p.currency
        FROM ({PAID}) p
        JOIN tools_registration r ON r.account_id = p.account_id AND r.partner_id = p.partner_id
        WHERE r.kind = 'deal' AND r.status = 'approved' AND r.decided_at < %(end)s
    """,
    # project rebate: the registered project's consumption, for 12 months from approval
    Program.PROJECT_REBATE: """
        SELECT c.partner_id, c.subaccount_id, 'registration:' || r.id AS source,
               sum(c.cost - c.credit) FILTER (WHERE NOT c.is_marketplace) AS basis, c.currency
        FROM tools_registration r
        JOIN subaccounts_subaccount s ON s.account_id = r.account_id AND NOT s.is_partner_own
        JOIN finance_consumption c ON c.subaccount_id = s.id
             AND (c.cloud_id = r.project_scope OR c.folder_id = r.project_scope)
        WHERE r.partner_id = %(partner)s AND r.kind = 'project' AND r.status = 'approved'
          AND r.decided_at < %(end)s AND %(month)s < r.decided_at + interval '12 months'
          AND c.date >= %(month)s AND c.date < %(end)s
        GROUP BY c.partner_id, c.subaccount_id, r.id, c.currency
    """,
    # referral commission: referred customers, for 12 months from sign-up
    Program.REFERRAL: f"""
        SELECT p.partner_id, p.subaccount_id, 'referral:' || rc.id AS source, p.paid AS basis, p.currency
        FROM ({PAID}) p
        JOIN finance_referredcustomer rc ON rc.account_id = p.account_id
        WHERE %(month)s >= date_trunc('month', rc.signed_up_at)
          AND %(month)s < rc.signed_up_at + interval '12 months'
    """,
}

INSERT = """
WITH basis AS ({basis}),
inserted AS (
    INSERT INTO finance_accrual (partner_id, subaccount_id, period, program, source, term_id, basis, rate,
                                 amount, currency, created_at)
    SELECT b.partner_id, b.subaccount_id, %(month)s, %(program)s, b.source, %(term)s, round(b.basis, 2),
           %(rate)s, round(LEAST(b.basis * %(rate)s, COALESCE(%(cap)s, b.basis * %(rate)s)), 2),
           b.currency, now()
    FROM basis b
    WHERE b.basis > 0 AND (%(threshold)s::numeric IS NULL OR b.basis >= %(threshold)s)
    ON CONFLICT ON CONSTRAINT uniq_accrual_natural_key DO NOTHING
    RETURNING id, partner_id, amount, currency
)
INSERT INTO finance_ledgerentry (partner_id, pool, program, kind, amount, currency, accrual_id, created_at)
SELECT partner_id, %(pool)s, %(program)s, 'accrual', amount, currency, id, now() FROM inserted
"""


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


@transaction.atomic
def accrue_month(*, partner_id: int, month: datetime.date) -> dict[str, int]:
    """Accrue every program for one partner and closed month; returns the rows added per program."""
    month = month.replace(day=1)
    params = {"partner": partner_id, "month": month, "end": _month_end(month)}
    added = {}
    with connection.cursor() as cursor:
        # one run at a time per partner and month; a second run waits, then adds nothing
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [partner_id, f"accrue:{month}"])
        for program, basis in BASES.items():
            cursor.execute(TERM, {"program": program, "month": month})
            term = cursor.fetchone()
            if term is None:
                added[program] = 0
                continue
            term_id, rate, cap, threshold = term
            cursor.execute(
                INSERT.format(basis=basis),
                {
                    **params,
                    "program": program,
                    "pool": POOL_OF_PROGRAM[program],
                    "term": term_id,
                    "rate": rate,
                    "cap": cap,
                    "threshold": threshold,
                },
            )
            added[program] = cursor.rowcount
    return added
