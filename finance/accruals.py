"""Monthly accrual of the programs, set-based in PostgreSQL (Rules of money 3).

Each program is one ``INSERT … SELECT … GROUP BY`` into ``finance_accrual`` that compares what the data
says now with what was accrued for each natural key (its currency included) and writes only the difference:
a new key is accrued, a changed one gets a correcting accrual (an original is never updated), and, in the
same statement, the ledger entries of exactly the rows it wrote. Running a month twice, concurrently (one
run at a time per partner and month), or again after a worker died mid-way leaves the same accruals and the
same ledger; data that arrived late (a supplementary invoice, a re-imported period, a changed exclusion
list) is brought in by the next run.

Paid consumption is cost plus credits (billing's credits are negative) of the services that are not excluded
(marketplace products and the like, an admin-managed list); the partner's own subaccounts
never earn anything. The referral commission is the exception: its basis is what the referred customer was
invoiced including VAT, accrued only once the customer has paid the month (billing's invoices import starts
a run for each closed month it completes). The specialization rebate is quarterly: it is accrued with the
quarter's last month, on the increase over the previous quarter.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal import locks
from portal.money import Currency
from portal.periods import add_months, month_after, quarter_start, window_sql
from tools.models import ProgramSettings, Registration

from .aggregates import customer_months_add
from .models import BONUS_PROGRAMS, POOL_OF_PROGRAM, CorrectionReason, Program

# The term of a program in force on each day, per currency: the latest one valid that day, in that currency —
# or, for a term that is only a rate (no cap, no threshold: amounts need a currency, a rate does not), in any
# currency; the specialization rebate's term for the specialization's own code wins. A few dozen lookups.
# a registration earns (a deal its extra, a project its rebate) once approved, and for its window after expiry
EARNING_STATUSES = f"('{Registration.Status.APPROVED.value}', '{Registration.Status.EXPIRED.value}')"
DEAL, PROJECT = Registration.Kind.DEAL.value, Registration.Kind.PROJECT.value
CURRENCY_ROWS = ", ".join(f"('{code}')" for code in Currency.values)  # SQL VALUES rows of the codes


def day_terms_sql(program: str, condition: str, first: str, last: str) -> str:
    """SQL: ``d`` (the day), ``currency``, and the term's ``id, rate, cap, threshold`` of each day from
    ``first`` to ``last`` (SQL dates) of ``program`` (a Program, or an SQL expression that gives one); a day
    without a term has NULLs."""
    if program in Program.values:
        program = f"'{Program(program).value}'"
    # the program's few terms joined to the days at once and the first of each day and currency kept, not
    # a lookup (and a sort) per day and currency
    return f"""
    SELECT DISTINCT ON (d, cur.currency) d, cur.currency, t.id, t.rate, t.cap, t.threshold
    FROM generate_series(0, {last}::date - {first}::date) n  -- integers: the planner knows how many
    CROSS JOIN LATERAL (SELECT {first}::date + n AS d) day
    CROSS JOIN (VALUES {CURRENCY_ROWS}) cur(currency)
    LEFT JOIN finance_rebateterm t
      ON t.program = {program} AND t.condition IN ('', {condition}) AND t.valid_from <= d
     AND (t.valid_to IS NULL OR t.valid_to >= d)
     AND (t.currency = cur.currency OR (t.cap IS NULL AND t.threshold IS NULL))
    ORDER BY d, cur.currency, t.condition = {condition} DESC, t.currency = cur.currency DESC,
             t.valid_from DESC
    """


def day_rates_sql(program: str, first: str, last: str) -> str:
    """SQL: per currency the array of a program's (unconditional) rate on each day from ``first``, 0 where
    no term applies — computed once, then read per row by ``rate_of`` without a join."""
    return f"""
    SELECT currency, array_agg(COALESCE(rate, 0) ORDER BY d) AS rates
    FROM ({day_terms_sql(program, "''", first, last)}) t GROUP BY currency
    """


def rate_of(rates: str, first: str) -> str:
    """SQL: the rate of row ``c``'s day and currency from the ``day_rates_sql`` CTE ``rates`` starting on
    ``first`` (each currency's array is read once)."""
    pick = " ".join(
        f"WHEN '{currency}' THEN (SELECT rates FROM {rates} WHERE currency = '{currency}')"
        for currency in Currency.values
    )
    return f"(CASE c.currency {pick} END)[c.date - {first}::date + 1]"


# A consumption row that earns the partner's programs: not the partner's own subaccount, not an excluded
# service; for the partner bonus and the deal extra also not a customer who came through the partner's
# referral link (it earns the referral commission instead).
RESOLD = """NOT s.is_partner_own AND NOT c.is_marketplace
  AND NOT EXISTS (SELECT 1 FROM finance_referredcustomer rc WHERE rc.account_id = s.account_id)"""


def deals_sql(
    first: str,
    last: str,
    *,
    partner: str = "%(partner)s",
    zone: str = "%(zone)s",
    deal_days: str = "%(deal_days)s",
    only: str = "",
) -> str:
    """SQL: the deal each subaccount's month from the month of ``first`` to that of ``last`` (SQL dates)
    belongs to, if any — an approved deal registration of ``partner`` (decided by the month's end in the
    provider's time zone ``zone``) whose customer's subaccount was created within ``deal_days`` after
    approval; a procurement deal only in the months of its contract, for its days. At most one a month: the
    earliest approved. ``only``: an SQL condition on the subaccounts ``s`` that limits the answer to them
    (a page of a few subaccounts need not work out every deal of the partner)."""
    return f"""
    SELECT DISTINCT ON (s.id, m.month) s.id AS subaccount_id, m.month::date AS month,
           r.id AS registration_id, r.procurement, r.contract_start, r.contract_end
    FROM generate_series(0, ((extract(year from {last}::date) - extract(year from {first}::date)) * 12
                             + extract(month from {last}::date) - extract(month from {first}::date))::int) k
    CROSS JOIN LATERAL (SELECT date_trunc('month', {first}::date) + make_interval(months => k) AS month) m
    JOIN tools_registration r
      ON r.partner_id = {partner} AND r.kind = '{DEAL}' AND r.status IN {EARNING_STATUSES}
     AND (r.decided_at AT TIME ZONE {zone}) < m.month + interval '1 month'
     AND (NOT r.procurement
          OR (r.contract_start < m.month + interval '1 month' AND r.contract_end >= m.month))
    JOIN subaccounts_subaccount s ON s.account_id = r.account_id {"AND " + only if only else ""}
    WHERE EXISTS (
        SELECT 1 FROM subaccounts_subaccount f WHERE f.account_id = r.account_id
          AND f.created_at <= r.decided_at + make_interval(days => {deal_days}))
    ORDER BY s.id, m.month, r.decided_at, r.id
    """


def deal_day_sql(day: str = "c.date") -> str:
    """SQL: whether ``day`` is a day of the subaccount's deal ``d`` (a row of deals_sql): any day of an
    ordinary deal's month, a procurement deal's contract days."""
    return (
        f"(d.registration_id IS NOT NULL"
        f" AND (NOT d.procurement OR {day} BETWEEN d.contract_start AND d.contract_end))"
    )


DEAL_DAY = deal_day_sql()
# what a resold daily row ``c`` earns, unrounded: the base bonus at its day's rate ({bonus}) and, on a day of
# its deal, the extra at the day's rate ({extra})
ROW_REWARD = f"(c.cost + c.credit) * ({{bonus}} + {{extra}} * {DEAL_DAY}::int)"
# the row's reward within the accrual of a month (there the program's own rates are the deal extra's)
MONTH_REWARD = ROW_REWARD.format(
    bonus=rate_of("bonus_rates", "%(month)s"), extra=rate_of("day_rates", "%(month)s")
)


# Each basis gives per natural key the paid consumption (``basis``) and, where the rate is the term in force
# on each day of consumption, what it earns at those rates before the cap (``raw``); a NULL ``raw`` means the
# basis at the month's rate.
BASES = {
    # base partner bonus: every paying subaccount the partner resells, at each day's rate
    Program.PARTNER_BONUS: f"""
        SELECT partner_id, subaccount_id, '' AS source, sum(paid) AS basis, sum(paid * rate) AS raw, currency
        FROM (
            SELECT c.partner_id, c.subaccount_id, c.currency, COALESCE(r.rate, 0) AS rate,
                   sum(c.cost + c.credit) AS paid
            FROM finance_consumption c
            JOIN subaccounts_subaccount s ON s.id = c.subaccount_id
            LEFT JOIN day_terms r ON r.d = c.date AND r.currency = c.currency
            WHERE c.partner_id = %(partner)s AND c.date >= %(month)s AND c.date < %(end)s AND {RESOLD}
            GROUP BY c.partner_id, c.subaccount_id, c.currency, COALESCE(r.rate, 0)
        ) by_rate
        GROUP BY partner_id, subaccount_id, currency
    """,
    # ... and in a month whose rate is the same every day, the same from the monthly aggregates (the basis at
    # the month's rate), without reading the daily rows
    "partner_bonus_flat": """
        SELECT m.partner_id, m.subaccount_id, '' AS source, sum(m.paid) AS basis, NULL::numeric AS raw,
               m.currency
        FROM finance_monthlyconsumption m
        JOIN subaccounts_subaccount s ON s.id = m.subaccount_id
        WHERE m.partner_id = %(partner)s AND m.month = %(month)s AND NOT s.is_partner_own
          AND NOT EXISTS (SELECT 1 FROM finance_referredcustomer rc WHERE rc.account_id = s.account_id)
        GROUP BY m.partner_id, m.subaccount_id, m.currency
    """,
    # deal extra: the days of the deal (a procurement deal's contract days) at each day's extra rate. The
    # reward of a subaccount's month is rounded once: the extra is what rounding the base bonus and the extra
    # together adds to the rounded base bonus, so the two accruals sum to the rounded reward of the rows.
    Program.DEAL_EXTRA: f"""
        SELECT c.partner_id, c.subaccount_id, 'registration:' || d.registration_id AS source,
               COALESCE(sum(c.cost + c.credit) FILTER (WHERE {DEAL_DAY}), 0) AS basis,
               round(sum({MONTH_REWARD}), 2)
               - round(sum((c.cost + c.credit) * {rate_of("bonus_rates", "%(month)s")}), 2) AS raw,
               c.currency
        FROM ({deals_sql("%(month)s", "%(month)s")}) d
        JOIN subaccounts_subaccount s ON s.id = d.subaccount_id
        JOIN finance_consumption c ON c.subaccount_id = d.subaccount_id
        WHERE c.date >= %(month)s AND c.date < %(end)s AND {RESOLD}
        GROUP BY c.partner_id, c.subaccount_id, d.registration_id, c.currency
    """,
    # project rebate: the registered project's consumption, for the window from the approval month, at each
    # day's rate
    Program.PROJECT_REBATE: f"""
        SELECT c.partner_id, c.subaccount_id, 'registration:' || p.id AS source,
               sum(c.cost + c.credit) AS basis,
               sum((c.cost + c.credit) * {rate_of("day_rates", "%(month)s")}) AS raw, c.currency
        FROM tools_registration p
        JOIN subaccounts_subaccount s ON s.account_id = p.account_id
        JOIN finance_consumption c ON c.subaccount_id = s.id
             AND (c.cloud_id = p.project_scope OR c.folder_id = p.project_scope)
        WHERE p.partner_id = %(partner)s AND p.kind = '{PROJECT}' AND p.status IN {EARNING_STATUSES}
          AND (p.decided_at AT TIME ZONE %(zone)s) < %(end)s
          AND {window_sql("(p.decided_at AT TIME ZONE %(zone)s)")}
          AND c.date >= %(month)s AND c.date < %(end)s AND NOT s.is_partner_own AND NOT c.is_marketplace
        GROUP BY c.partner_id, c.subaccount_id, p.id, c.currency
    """,
    # referral commission: per referred customer (the cap is per customer), its month's invoices including
    # VAT once every one of them is paid in full, for the window from the sign-up month; the accrual is kept
    # on the customer's first subaccount. A month with an invoice not paid in full has no basis (NULL): it
    # is left as it was accrued until that invoice is paid (a supplementary invoice then adds its share).
    Program.REFERRAL: f"""
        SELECT i.partner_id, min(first.id) AS subaccount_id, 'referral:' || rc.id AS source,
               CASE WHEN bool_and(i.paid_amount >= i.amount) THEN sum(i.amount) END AS basis,
               NULL::numeric AS raw, i.currency
        FROM finance_referredcustomer rc
        JOIN subaccounts_subaccount s ON s.account_id = rc.account_id AND NOT s.is_partner_own
        JOIN finance_customerinvoice i ON i.subaccount_id = s.id AND i.month = %(month)s
        JOIN LATERAL (
            SELECT min(f.id) AS id FROM subaccounts_subaccount f
            WHERE f.account_id = rc.account_id AND NOT f.is_partner_own
        ) first ON true
        WHERE i.partner_id = %(partner)s AND rc.consent_at IS NOT NULL
          AND {window_sql("rc.signed_up_at")}
        GROUP BY i.partner_id, rc.id, i.currency
    """,
}

# specialization rebate: the increase of a quarter's paid consumption over the quarter before, across the
# partner's customers (only the specialization's counted services when it names some)
SPECIALIZATION_BASIS = """
    SELECT m.partner_id, NULL::bigint AS subaccount_id, %(source)s AS source,
           sum(CASE WHEN m.month >= %(quarter)s THEN 1 ELSE -1 END * m.paid) AS basis, NULL::numeric AS raw,
           m.currency
    FROM finance_monthlyconsumption m
    JOIN subaccounts_subaccount s ON s.id = m.subaccount_id AND NOT s.is_partner_own
    WHERE m.partner_id = %(partner)s AND m.month >= %(previous)s AND m.month < %(end)s
      AND (cardinality(%(services)s::text[]) = 0 OR m.service_id = ANY(%(services)s::text[]))
    GROUP BY m.partner_id, m.currency
"""

# the partner's specializations active at some time in the quarter
SPECIALIZATIONS = """
SELECT sp.code, sp.service_ids
FROM profiles_partnerspecialization ps
JOIN profiles_specialization sp ON sp.id = ps.specialization_id
WHERE ps.partner_id = %(partner)s AND ps.active_since IS NOT NULL AND ps.active_since < %(end)s
  AND (ps.active_until IS NULL OR ps.active_until >= %(quarter)s)
ORDER BY sp.code
"""

# Brings the program's accruals of the month to what the data says now: a key seen for the first time is
# accrued; a key whose amount differs gets a correcting accrual of the difference (never an update); a key
# that no longer earns anything is corrected to zero. With nothing changed it writes nothing. Each row
# written gets its ledger entry in the same statement. (FULL JOIN needs hashable conditions: a missing
# subaccount is matched as 0.)
# The month's term of a currency (its cap, its threshold, the rate shown) is the one in force on the month's
# last day that has one.
INSERT = f"""
WITH day_terms AS ({day_terms_sql("%(program)s", "%(condition)s", "%(month)s", "%(last)s")}),
day_rates AS ({day_rates_sql("%(program)s", "%(month)s", "%(last)s")}),
bonus_rates AS ({day_rates_sql(Program.PARTNER_BONUS, "%(month)s", "%(last)s")}),
month_terms AS (
    SELECT DISTINCT ON (currency) * FROM day_terms WHERE id IS NOT NULL ORDER BY currency, d DESC
),
basis AS ({{basis}}),
target AS (
    SELECT b.partner_id, b.subaccount_id, b.source, b.currency, t.id AS term_id, t.rate,
           round(b.basis, 2) AS basis,
           round(LEAST(COALESCE(b.raw, b.basis * t.rate), COALESCE(t.cap, b.raw, b.basis * t.rate)), 2)
           AS amount
    FROM basis b JOIN month_terms t ON t.currency = b.currency
    WHERE b.basis > 0 AND (t.threshold IS NULL OR b.basis >= t.threshold)
),
accrued AS (
    SELECT a.subaccount_id, a.source, a.currency, min(a.id) FILTER (WHERE a.corrects_id IS NULL) AS original,
           sum(a.basis) AS basis, sum(a.amount) AS amount
    FROM finance_accrual a
    WHERE a.partner_id = %(partner)s AND a.period = %(month)s AND a.program = %(program)s
      AND (%(sources)s::text[] IS NULL OR a.source = ANY(%(sources)s::text[]))
    GROUP BY a.subaccount_id, a.source, a.currency
),
changed AS (
    SELECT COALESCE(t.subaccount_id, a.subaccount_id) AS subaccount_id,
           COALESCE(t.source, a.source) AS source,
           COALESCE(t.currency, a.currency) AS currency, t.term_id, COALESCE(t.rate, 0) AS rate,
           COALESCE(t.basis, 0) - COALESCE(a.basis, 0) AS basis,
           COALESCE(t.amount, 0) - COALESCE(a.amount, 0) AS amount, a.original
    FROM target t
    FULL JOIN accrued a ON COALESCE(a.subaccount_id, 0) = COALESCE(t.subaccount_id, 0)
                       AND a.source = t.source AND a.currency = t.currency
    WHERE COALESCE(t.amount, 0) <> COALESCE(a.amount, 0)
      AND NOT EXISTS (  -- a key whose basis is not settled yet (NULL) stays as it is
          SELECT 1 FROM basis p
          WHERE p.basis IS NULL AND COALESCE(p.subaccount_id, 0) = COALESCE(a.subaccount_id, 0)
            AND p.source = a.source AND p.currency = a.currency)
),
inserted AS (
    INSERT INTO finance_accrual (partner_id, subaccount_id, period, program, source, term_id, basis, rate,
                                 amount, currency, created_at, corrects_id, reason)
    SELECT %(partner)s, subaccount_id, %(month)s, %(program)s, source, term_id, basis, rate, amount, currency,
           now(), original, CASE WHEN original IS NULL THEN '' ELSE %(reason)s END
    FROM changed
    ON CONFLICT (partner_id, subaccount_id, period, program, source, currency) WHERE corrects_id IS NULL
    DO NOTHING
    RETURNING id, amount, currency, corrects_id
),
ledger AS (
    INSERT INTO finance_ledgerentry (partner_id, pool, program, kind, amount, currency, accrual_id,
                                     created_at)
    SELECT %(partner)s, %(pool)s, %(program)s,
           CASE WHEN corrects_id IS NULL THEN 'accrual' ELSE 'correction' END, amount, currency, id, now()
    FROM inserted
)
SELECT coalesce(array_agg(id), ARRAY[]::bigint[]) FROM inserted
"""


# a basis of nothing: brings the accruals of the sources given to zero
NOTHING = (
    "SELECT NULL::bigint AS partner_id, NULL::bigint AS subaccount_id, ''::text AS source, "
    "0::numeric AS basis, ''::text AS currency WHERE false"
)


def _insert(
    cursor, basis: str, params: dict, program: str, condition: str = "", sources: list[str] | None = None
) -> list[int]:
    """Write one program's accruals and corrections, each with its ledger entry; returns their ids.
    ``sources`` limits which of the month's accruals the basis stands for (all of the program's by
    default)."""
    cursor.execute(
        INSERT.format(basis=basis),
        {
            **params,
            "program": program,
            "pool": POOL_OF_PROGRAM[program],
            "condition": condition,
            "sources": sources,
        },
    )
    return cursor.fetchone()[0]


FLAT = f"""
SELECT bool_and(rates = array_fill(rates[1], ARRAY[cardinality(rates)]))
FROM ({day_rates_sql(Program.PARTNER_BONUS, "%(month)s", "%(last)s")}) r
"""


def _flat(cursor, params: dict) -> bool:
    """Whether the partner bonus's rate is the same on every day of the month, in every currency."""
    cursor.execute(FLAT, params)
    return bool(cursor.fetchone()[0])


def _accrue_specializations(cursor, params: dict) -> int:
    """At a quarter's last month: each active specialization's rebate on the quarter's increase."""
    month = params["month"]
    if month.month % 3:
        return 0
    quarter = quarter_start(month)
    params = {**params, "quarter": quarter, "previous": add_months(quarter, -3)}
    cursor.execute(SPECIALIZATIONS, params)
    added, sources = 0, []
    for code, service_ids in cursor.fetchall():
        services = [s.strip() for s in service_ids.split(",") if s.strip()]
        source = f"specialization:{code}:{quarter.year}Q{(quarter.month + 2) // 3}"
        sources.append(source)
        added += len(
            _insert(
                cursor,
                SPECIALIZATION_BASIS,
                {**params, "source": source, "services": services},
                Program.SPECIALIZATION_REBATE,
                condition=code,
                sources=[source],
            )
        )
    # a specialization accrued before but no longer active in the quarter: corrected to zero
    cursor.execute(
        "SELECT coalesce(array_agg(DISTINCT source), '{}') FROM finance_accrual"
        " WHERE partner_id = %(partner)s AND period = %(month)s AND program = %(program)s"
        " AND NOT source = ANY(%(sources)s::text[])",
        {**params, "program": Program.SPECIALIZATION_REBATE, "sources": sources},
    )
    stale = cursor.fetchone()[0]
    if stale:
        added += len(_insert(cursor, NOTHING, params, Program.SPECIALIZATION_REBATE, sources=stale))
    return added


@transaction.atomic
def accrue_month(
    *, partner_id: int, month: datetime.date, programs=None, reason: str = CorrectionReason.DATA
) -> dict[str, int]:
    """Bring every program (or only ``programs``) of one partner and closed month to what the data says now;
    returns the rows written per program (accruals and corrections, each with its ledger entry). Idempotent:
    a rerun with nothing changed writes nothing. ``reason`` is what a correction says changed. Billing's
    payments run the referral commission alone: the month's consumption may still be arriving."""
    month = month.replace(day=1)
    params = {
        "partner": partner_id,
        "month": month,
        "end": month_after(month),
        "last": month_after(month) - datetime.timedelta(days=1),
        "zone": settings.TIME_ZONE,
        "deal_days": ProgramSettings.current().deal_subaccount_days,
        "reason": reason,
    }
    added, bonuses = {}, []
    with connection.cursor() as cursor:
        # one run at a time per partner and month; a second run waits, then adds nothing
        locks.hold(f"accrue:{month}", partner_id=partner_id)
        for program in Program.values:
            if program in BASES and (programs is None or program in programs):
                basis = BASES[program]
                if program == Program.PARTNER_BONUS and _flat(cursor, params):
                    basis = BASES["partner_bonus_flat"]
                written = _insert(cursor, basis, params, program)
                added[program] = len(written)
                if program in BONUS_PROGRAMS:
                    bonuses += written
        if programs is None or Program.SPECIALIZATION_REBATE in programs:
            added[Program.SPECIALIZATION_REBATE] = _accrue_specializations(cursor, params)
    # the customer months take what was just written (not a rebuild of the partner's month)
    customer_months_add(bonuses)
    return added


def months_to_reaccrue(
    first: datetime.date, last: datetime.date, *, today: datetime.date | None = None
) -> list[datetime.date]:
    """The closed months whose accruals data of the months ``first`` … ``last`` feeds: those months, and the
    last month of their quarter and of the quarter after (a specialization rebate compares a quarter with the
    one before). Months not closed yet are left to the monthly run."""
    current = (today or timezone.localdate()).replace(day=1)
    months = set()
    month = first.replace(day=1)
    while month <= last:
        quarter_end = add_months(quarter_start(month), 2)
        months.update({month, quarter_end, add_months(quarter_end, 3)})
        month = add_months(month, 1)
    return sorted(m for m in months if m < current)
