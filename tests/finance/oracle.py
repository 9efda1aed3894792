"""An independent model ("oracle") of the partner portal's money programs.

Plain Python over plain data: no Django, no SQL. Written from /work/shared/DESIGN.md ("Money: the
programs", "Rules of money") and the numbered rules R0-R3 / P1-P5 of the oracle's brief, never from the
project's accrual code, so that the two can be checked against each other on the same world.

Quotes from DESIGN.md are marked "DESIGN:". Everything is ``Decimal``; an amount is rounded once, where it
would be stored: "rounding once, where an amount is stored (ROUND_HALF_UP to the currency's minor unit)"
(DESIGN, Rules of money 1). RUB, KZT and USD all have a minor unit of 0.01.

The public API:

* the data: :class:`Term`, :class:`Account`, :class:`Subaccount`, :class:`ReferredCustomer`, :class:`Row`,
  :class:`Exclusion`, :class:`Registration`, :class:`PartnerSpecialization`, :class:`Invoice`,
  :class:`World`;
* :func:`accruals` (one month, every program), :func:`accruals_between` (a range of months),
  :func:`balances` (sums per partner, pool and currency), :func:`row_reward` (one daily row's unrounded
  reward on the partner's invoice);
* the rules one by one: :func:`paid`, :func:`counts`, :func:`term_for`, :func:`month_term`,
  :func:`settle`, :func:`chosen_deal`, and one function per program: :func:`partner_bonus`,
  :func:`deal_extra`, :func:`project_rebate`, :func:`specialization_rebate`, :func:`referral`.

An accrual's key is ``(partner, subaccount or None, period (1st of month), program, source, currency)``;
DESIGN: "Every key that identifies an amount includes its currency."
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

PARTNER_BONUS = "partner_bonus"
DEAL_EXTRA = "deal_extra"
PROJECT_REBATE = "project_rebate"
SPECIALIZATION_REBATE = "specialization_rebate"
REFERRAL = "referral"
PROGRAMS = (PARTNER_BONUS, DEAL_EXTRA, PROJECT_REBATE, SPECIALIZATION_REBATE, REFERRAL)

POOLS = {
    PARTNER_BONUS: "bonus",
    DEAL_EXTRA: "bonus",
    PROJECT_REBATE: "rebates",
    SPECIALIZATION_REBATE: "rebates",
    REFERRAL: "referral",
}

DECIDED = ("approved", "expired")
"""The registration statuses that pay (deal extra, project rebate)."""

ZERO = Decimal("0")
CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Term:
    """A rebate term (DESIGN: ``RebateTerm(program, condition, rate, cap, valid_from, valid_to)`` —
    admin-managed). ``valid_to`` None = open-ended; ``condition`` "" = unconditional, else a
    specialization code. ``valid_from`` is keyword-only."""

    program: str
    rate: Decimal
    currency: str = "RUB"
    cap: Decimal | None = None
    threshold: Decimal | None = None
    condition: str = ""
    valid_to: date | None = None
    valid_from: date = field(kw_only=True)


@dataclass(frozen=True)
class Account:
    id: int
    partner: int


@dataclass(frozen=True)
class Subaccount:
    id: int
    account: int
    partner: int
    created_on: date
    is_partner_own: bool = False


@dataclass(frozen=True)
class ReferredCustomer:
    """A customer account that came through a partner's referral link."""

    id: int
    account: int
    partner: int
    signed_up_on: date
    consent: bool


@dataclass(frozen=True)
class Row:
    """One day of one product of one subaccount, as billing exports it: ``cost`` >= 0, ``credit`` <= 0
    (DESIGN: "billing gives credits as negative amounts"), billing's own precision (up to 10 decimals)."""

    subaccount: int
    date: date
    cost: Decimal
    credit: Decimal
    currency: str
    service_id: str = "compute"
    sku_id: str = "vcpu"
    cloud_id: str = "cloud"
    folder_id: str = "folder"


@dataclass(frozen=True)
class Exclusion:
    """An excluded product: ``sku_id`` "" excludes every SKU of the service (marketplace products)."""

    service_id: str
    sku_id: str = ""


@dataclass(frozen=True)
class Registration:
    """A deal (``kind`` "deal") or project (``kind`` "project") registration of a partner for an account."""

    id: int
    partner: int
    account: int
    kind: str
    status: str
    decided_on: date | None
    procurement: bool = False
    contract_start: date | None = None
    contract_end: date | None = None
    project_scope: str = ""


@dataclass(frozen=True)
class PartnerSpecialization:
    """A partner's specialization; ``service_ids`` non-empty limits its basis to those services
    (DESIGN: "ML & AI: of specialization-service consumption"). ``active_since`` None = never active."""

    partner: int
    code: str
    service_ids: tuple[str, ...] = ()
    active_since: date | None = None
    active_until: date | None = None


@dataclass(frozen=True)
class Invoice:
    """A customer's invoice for one subaccount, month (1st) and currency, and how much of it is paid."""

    subaccount: int
    month: date
    currency: str
    amount: Decimal
    paid_amount: Decimal


@dataclass(frozen=True)
class World:
    """Everything the programs read. Lists are turned into tuples; lookups are indexed once."""

    terms: tuple[Term, ...] = ()
    accounts: tuple[Account, ...] = ()
    subaccounts: tuple[Subaccount, ...] = ()
    referred: tuple[ReferredCustomer, ...] = ()
    rows: tuple[Row, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    registrations: tuple[Registration, ...] = ()
    specializations: tuple[PartnerSpecialization, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    deal_subaccount_days: int = 60

    _subaccount: dict = field(init=False, repr=False, compare=False)
    _referred_accounts: frozenset = field(init=False, repr=False, compare=False)
    _rows_by_month: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        for name in (
            "terms",
            "accounts",
            "subaccounts",
            "referred",
            "rows",
            "exclusions",
            "registrations",
            "specializations",
            "invoices",
        ):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "_subaccount", {s.id: s for s in self.subaccounts})
        object.__setattr__(self, "_referred_accounts", frozenset(r.account for r in self.referred))
        by_month = defaultdict(list)
        for row in self.rows:
            by_month[month_of(row.date)].append(row)
        object.__setattr__(self, "_rows_by_month", dict(by_month))

    def subaccount(self, subaccount_id: int) -> Subaccount:
        return self._subaccount[subaccount_id]

    def is_referred(self, account_id: int) -> bool:
        """Any ReferredCustomer row for the account, with consent or without."""
        return account_id in self._referred_accounts

    def rows_in(self, month: date) -> list[Row]:
        return self._rows_by_month.get(month_of(month), [])


class Key(NamedTuple):
    """An accrual's natural key; a plain tuple compares equal to it."""

    partner: int
    subaccount: int | None
    period: date
    program: str
    source: str
    currency: str


# ------------------------------------------------------------------------------------------- calendar


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    years, index = divmod(month.year * 12 + month.month - 1 + n, 12)
    return date(years, index + 1, 1)


def month_end(month: date) -> date:
    return add_months(month_of(month), 1) - timedelta(days=1)


def quarter(month: date) -> tuple[int, date, date]:
    """``(n, first day, last day)`` of the calendar quarter holding ``month``; n is 1..4."""
    n = (month.month - 1) // 3 + 1
    first = date(month.year, 3 * (n - 1) + 1, 1)
    return n, first, month_end(add_months(first, 2))


def in_window(month: date, start: date, months: int = 12) -> bool:
    """DESIGN: "Windows count calendar months and start with the month of the event [...]; 12 months
    means exactly 12." ``start`` is the event's day; the window is its month and the 11 after it."""
    first = month_of(start)
    return first <= month_of(month) <= add_months(first, months - 1)


def money(amount: Decimal) -> Decimal:
    """DESIGN: "rounding once, where an amount is stored (ROUND_HALF_UP to the currency's minor unit)"."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------------------------- R0


def paid(row: Row) -> Decimal:
    """R0. DESIGN: "'Paid consumption' = cost + credit, where billing gives credits as negative amounts"."""
    return row.cost + row.credit


def excluded(world: World, row: Row) -> bool:
    """R0. DESIGN: "Excluded: [...] marketplace products (Marketplace, StoreDoc, Interconnect — an
    admin-managed list of services)". An Exclusion with sku_id "" covers every SKU of its service."""
    return any(e.service_id == row.service_id and e.sku_id in ("", row.sku_id) for e in world.exclusions)


def counts(world: World, row: Row) -> bool:
    """R0: a row counts for the consumption programs (partner bonus, deal extra, project, specialization)
    iff its subaccount is not the partner's own and the row is not excluded. DESIGN: "Excluded: the
    partner's own consumption, marketplace products [...]"."""
    return not world.subaccount(row.subaccount).is_partner_own and not excluded(world, row)


# -------------------------------------------------------------------------------------------- R1, R2


def term_for(world: World, program: str, day: date, currency: str, condition: str = "") -> Term | None:
    """R1, the term in force on a day. DESIGN: "The rate is the term in force on each day of consumption."

    Candidates: the program's terms with condition "" or ``condition``, ``valid_from <= day <= valid_to``
    (None = open), and either the asked currency or neither cap nor threshold (a plain rate applies to any
    currency). The first of: condition equal to the asked one, then same currency, then latest
    ``valid_from``. Terms equal on all three: the first listed in the world (the brief says no more)."""
    candidates = [
        t
        for t in world.terms
        if t.program == program
        and t.condition in ("", condition)
        and t.valid_from <= day
        and (t.valid_to is None or day <= t.valid_to)
        and (t.currency == currency or (t.cap is None and t.threshold is None))
    ]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda t: (t.condition != condition, t.currency != currency, -t.valid_from.toordinal()),
    )


def rate_on(world: World, program: str, day: date, currency: str, condition: str = "") -> Decimal:
    term = term_for(world, program, day, currency, condition)
    return term.rate if term is not None else ZERO


def month_term(world: World, program: str, month: date, currency: str, condition: str = "") -> Term | None:
    """R2, the month's term (for cap, threshold and the month-level programs): ``term_for`` of the LAST day
    of the month that has one, walking back from the month's last day; None if no day has one."""
    first, day = month_of(month), month_end(month)
    while day >= first:
        term = term_for(world, program, day, currency, condition)
        if term is not None:
            return term
        day -= timedelta(days=1)
    return None


# ----------------------------------------------------------------------------------------------- R3


def settle(world: World, program: str, month: date, currency: str, rows: Iterable[Row]) -> Decimal | None:
    """R3, a consumption program's amount for a group of counted rows of one month and currency.

    basis = sum of paid; raw = sum of paid x the rate of the row's day (a day with no term adds 0 to raw,
    but still its paid to the basis). Nothing (None) if basis <= 0, the month's term (R2) is None, or it
    has a threshold and basis < threshold. raw is capped at the month term's cap; the amount is raw rounded
    ROUND_HALF_UP to 0.01, once, here, never per row. An amount of 0.00 is not accrued (None).

    DESIGN: "rounding once, where an amount is stored"; "The rate is the term in force on each day of
    consumption"; project: "only in months at or over 30,000 RUB (150,000 KZT)"."""
    rows = list(rows)
    basis = sum((paid(r) for r in rows), ZERO)
    term = month_term(world, program, month, currency)
    if basis <= 0 or term is None:
        return None
    if term.threshold is not None and basis < term.threshold:
        return None
    raw = sum((paid(r) * rate_on(world, program, r.date, currency) for r in rows), ZERO)
    if term.cap is not None:
        raw = min(raw, term.cap)
    amount = money(raw)
    return amount if amount != 0 else None


def _by(rows: Iterable[Row], *attrs: str) -> dict[tuple, list[Row]]:
    groups = defaultdict(list)
    for row in rows:
        groups[tuple(getattr(row, a) for a in attrs)].append(row)
    return groups


# ---------------------------------------------------------------------------------------- the programs


def partner_bonus(world: World, month: date) -> dict[Key, Decimal]:
    """P1. DESIGN: "Partner bonus (reseller): base 10% of a customer's paid consumption, applied as a
    discount on the partner's month-end invoice [...] Only on subaccounts the partner resells: a customer
    who came through the partner's referral link earns the referral commission instead."

    Per (subaccount, month, currency) over counted rows (R0) of subaccounts whose account is not referred
    (any ReferredCustomer row, with consent or without); R3 with the partner_bonus terms. Source ""."""
    month = month_of(month)
    out = {}
    rows = [
        r
        for r in world.rows_in(month)
        if counts(world, r) and not world.is_referred(world.subaccount(r.subaccount).account)
    ]
    for (sub_id, currency), group in sorted(_by(rows, "subaccount", "currency").items()):
        amount = settle(world, PARTNER_BONUS, month, currency, group)
        if amount is not None:
            out[Key(world.subaccount(sub_id).partner, sub_id, month, PARTNER_BONUS, "", currency)] = amount
    return out


def fulfilled(world: World, deal: Registration) -> bool:
    """DESIGN: "once approved the partner has 60 days to create the customer's subaccount, else the
    registration expires". Some subaccount of the deal's account (any, own or not) was created on or
    before ``decided_on + deal_subaccount_days``."""
    deadline = deal.decided_on + timedelta(days=world.deal_subaccount_days)
    return any(s.account == deal.account and s.created_on <= deadline for s in world.subaccounts)


def in_contract(deal: Registration, day: date) -> bool:
    """A procurement deal counts only the days of its contract, both ends inclusive; another deal every day.
    DESIGN: "a procurement deal's extra runs for the contract's duration"."""
    if not deal.procurement:
        return True
    return (
        deal.contract_start is not None
        and deal.contract_end is not None
        and deal.contract_start <= day <= deal.contract_end
    )


def deal_qualifies(world: World, deal: Registration, month: date) -> bool:
    """P2: kind "deal", status approved or expired, decided on or before the month's last day, fulfilled;
    a procurement deal's contract must overlap the month (a procurement deal without both contract dates
    has no contract, so never qualifies)."""
    month = month_of(month)
    if deal.kind != "deal" or deal.status not in DECIDED or deal.decided_on is None:
        return False
    if deal.decided_on > month_end(month) or not fulfilled(world, deal):
        return False
    if deal.procurement:
        if deal.contract_start is None or deal.contract_end is None:
            return False
        return deal.contract_start <= month_end(month) and deal.contract_end >= month
    return True


def chosen_deal(world: World, subaccount_id: int, month: date) -> Registration | None:
    """P2, the one deal of a subaccount and month. DESIGN: "plus the extra of an approved deal registration
    (at most one per subaccount and month [...])". Among the deals of the subaccount's account qualifying
    for the month: the earliest ``decided_on``, ties by the lowest id."""
    account = world.subaccount(subaccount_id).account
    deals = [r for r in world.registrations if r.account == account and deal_qualifies(world, r, month)]
    return min(deals, key=lambda r: (r.decided_on, r.id), default=None)


def deal_extra(world: World, month: date) -> dict[Key, Decimal]:
    """P2. Per (subaccount, month, currency) of accounts not referred: the counted rows (only those inside
    the contract for a procurement deal) of the deal chosen for that subaccount and month. The key's partner
    is the registration's; source ``registration:<id>``.

    The partner's reward of a subaccount's month (base bonus and deal extra, both on its invoice) is rounded
    ONCE (DESIGN, Rules of money 5: "rows carry unrounded amounts; their sum rounds to the stored amount"):
    the extra is money(B + E) - money(B), where B is the month's base bonus before rounding (every counted
    row at its day's partner_bonus rate) and E the deal days' paid at their day's deal_extra rate. So P1 + P2
    = money(sum of the rows' row_reward). Nothing if the deal days' paid (the basis) is <= 0, there is no
    month term, or it has a threshold the basis is under; a cap caps the extra."""
    month = month_of(month)
    out = {}
    rows = [
        r
        for r in world.rows_in(month)
        if counts(world, r) and not world.is_referred(world.subaccount(r.subaccount).account)
    ]
    for (sub_id, currency), sub_rows in sorted(_by(rows, "subaccount", "currency").items()):
        deal = chosen_deal(world, sub_id, month)
        if deal is None:
            continue
        inside = [r for r in sub_rows if in_contract(deal, r.date)]
        basis = sum((paid(r) for r in inside), ZERO)
        term = month_term(world, DEAL_EXTRA, month, currency)
        if basis <= 0 or term is None or (term.threshold is not None and basis < term.threshold):
            continue
        base = sum((paid(r) * rate_on(world, PARTNER_BONUS, r.date, currency) for r in sub_rows), ZERO)
        extra = sum((paid(r) * rate_on(world, DEAL_EXTRA, r.date, currency) for r in inside), ZERO)
        raw = money(base + extra) - money(base)
        amount = money(min(raw, term.cap) if term.cap is not None else raw)
        if amount != 0:
            out[Key(deal.partner, sub_id, month, DEAL_EXTRA, f"registration:{deal.id}", currency)] = amount
    return out


def project_rebate(world: World, month: date) -> dict[Key, Decimal]:
    """P3. DESIGN: "Project rebate: up to 15% of the registered project's consumption growth, monthly for
    12 months, only in months at or over 30,000 RUB (150,000 KZT)"; "Windows [...] start with the month of
    the event: the approval month for a project"; a project is "a new project — cloud or folder — of an
    existing customer, with zero consumption when submitted" (so its growth is its consumption).

    Registrations kind "project", approved or expired, decided: in the 12 months from the decision's month,
    the counted rows of the account's subaccounts whose cloud_id or folder_id is the project's scope (the
    referred accounts too), per (subaccount, month, currency, registration), R3 with the project_rebate
    terms (threshold, cap). The key's partner is the registration's; source ``registration:<id>``."""
    month = month_of(month)
    out = {}
    for reg in world.registrations:
        if reg.kind != "project" or reg.status not in DECIDED or reg.decided_on is None:
            continue
        if not in_window(month, reg.decided_on):
            continue
        rows = [
            r
            for r in world.rows_in(month)
            if world.subaccount(r.subaccount).account == reg.account
            and counts(world, r)
            and reg.project_scope in (r.cloud_id, r.folder_id)
        ]
        for (sub_id, currency), group in sorted(_by(rows, "subaccount", "currency").items()):
            amount = settle(world, PROJECT_REBATE, month, currency, group)
            if amount is not None:
                key = Key(reg.partner, sub_id, month, PROJECT_REBATE, f"registration:{reg.id}", currency)
                out[key] = amount
    return out


def specialization_rebate(world: World, month: date) -> dict[Key, Decimal]:
    """P4. DESIGN: "Specialization rebate: per quarter a specialization is active, 10% of the paid
    consumption increase across subaccounts and registered projects (ML & AI: of specialization-service
    consumption)."

    Accrued only with a quarter's last month (period = that month, subaccount None). For each of the
    partner's specializations active at some time in the quarter: per currency, basis = paid of the counted
    rows of ALL the partner's subaccounts (referred ones too) in the quarter minus the same in the previous
    quarter (only the specialization's services when it lists any). Term: R2 of the quarter's last month
    with condition = the code. amount = round(min(basis x rate, cap)) if basis > 0 and no threshold or
    basis >= threshold; the rate is the month term's, not per day. Source
    ``specialization:<code>:<year>Q<n>``."""
    month = month_of(month)
    n, first, last = quarter(month)
    if month != month_of(last):
        return {}
    prev_first = add_months(first, -3)
    out = {}
    for spec in world.specializations:
        if spec.active_since is None or spec.active_since > last:
            continue
        if spec.active_until is not None and spec.active_until < first:
            continue
        now, before = defaultdict(Decimal), defaultdict(Decimal)
        for offset in range(6):
            for row in world.rows_in(add_months(prev_first, offset)):
                sub = world.subaccount(row.subaccount)
                if sub.partner != spec.partner or not counts(world, row):
                    continue
                if spec.service_ids and row.service_id not in spec.service_ids:
                    continue
                (now if row.date >= first else before)[row.currency] += paid(row)
        for currency in sorted(set(now) | set(before)):
            basis = now[currency] - before[currency]
            term = month_term(world, SPECIALIZATION_REBATE, month, currency, spec.code)
            if term is None or basis <= 0:
                continue
            if term.threshold is not None and basis < term.threshold:
                continue
            raw = basis * term.rate
            amount = money(min(raw, term.cap) if term.cap is not None else raw)
            if amount != 0:
                source = f"specialization:{spec.code}:{month.year}Q{n}"
                out[Key(spec.partner, None, month, SPECIALIZATION_REBATE, source, currency)] = amount
    return out


def referral(world: World, month: date) -> dict[Key, Decimal]:
    """P5. DESIGN: "Referral commission: 10% of a referred customer's paid consumption including VAT,
    capped at 100,000 RUB per customer per month, for 12 months from sign-up, accrued monthly after the
    customer pays"; "Windows [...] start with the month of the event: [...] the sign-up month for a
    referred customer".

    Per ReferredCustomer with consent, in the 12 months from the sign-up month: the month's invoices of the
    account's non-own subaccounts, per currency, only if EVERY such invoice is paid in full; basis = sum of
    the invoices' amounts; R2 term of "referral" for the month and currency; amount = round(min(basis x
    rate, cap)) (the cap per customer per month), basis > 0. Subaccount = the customer's first (smallest)
    non-own subaccount, so a later invoice never moves the key. A threshold on a referral term is not
    applied (the rules name none). Source ``referral:<id>``."""
    month = month_of(month)
    out = {}
    for customer in world.referred:
        if not customer.consent or not in_window(month, customer.signed_up_on):
            continue
        subs = {s.id for s in world.subaccounts if s.account == customer.account and not s.is_partner_own}
        invoices = defaultdict(list)
        for invoice in world.invoices:
            if invoice.subaccount in subs and month_of(invoice.month) == month:
                invoices[invoice.currency].append(invoice)
        for currency, group in sorted(invoices.items()):
            if any(i.paid_amount < i.amount for i in group):
                continue
            basis = sum((i.amount for i in group), ZERO)
            term = month_term(world, REFERRAL, month, currency)
            if basis <= 0 or term is None:
                continue
            raw = basis * term.rate
            amount = money(min(raw, term.cap) if term.cap is not None else raw)
            if amount != 0:
                sub_id = min(subs)  # the customer's first subaccount keeps it, whichever were invoiced
                key = Key(customer.partner, sub_id, month, REFERRAL, f"referral:{customer.id}", currency)
                out[key] = amount
    return out


# ------------------------------------------------------------------------------------------------- API


def accruals(world: World, month: date) -> dict[Key, Decimal]:
    """Every program's accruals for one month (P4 only when it is a quarter's last month)."""
    out: dict[Key, Decimal] = {}
    for program in (partner_bonus, deal_extra, project_rebate, specialization_rebate, referral):
        for key, amount in program(world, month).items():
            assert key not in out, f"two amounts for one key {key}"
            out[key] = amount
    return out


def accruals_between(world: World, first_month: date, last_month: date) -> dict[Key, Decimal]:
    """``accruals`` of every month from ``first_month`` through ``last_month``, both inclusive."""
    out: dict[Key, Decimal] = {}
    month = month_of(first_month)
    while month <= month_of(last_month):
        out.update(accruals(world, month))
        month = add_months(month, 1)
    return out


def balances(world: World, first_month: date, last_month: date) -> dict[tuple[int, str, str], Decimal]:
    """``(partner, pool, currency)`` -> the sum of the accrued amounts of those months. DESIGN: "A balance
    is the sum of ledger entries"; pools: partner_bonus and deal_extra "bonus", project and specialization
    rebates "rebates" (DESIGN: "Rebate accrual balance: only project and specialization rebates"), referral
    "referral"."""
    out: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for key, amount in accruals_between(world, first_month, last_month).items():
        out[(key.partner, POOLS[key.program], key.currency)] += amount
    return dict(out)


def row_reward(world: World, row: Row) -> Decimal:
    """What one daily row earns the partner on its invoice, UNROUNDED: paid x the partner_bonus rate of
    the row's day (when P1 applies to the row) + paid x the deal_extra rate of the day (when the row counts
    for the deal chosen under P2 for its subaccount and month). 0 for the partner's own subaccount, an
    excluded product, or a referred account. DESIGN: "rows carry unrounded amounts; their sum rounds to
    the stored amount" (Rules of money 5).

    How this relates to the accruals: P2 is money(B + E) - money(B), so money(sum of a subaccount-month's
    row_reward) is P1 + P2 to the kopeck; but row_reward knows nothing of the month-level conditions of
    R3: a month whose basis is <= 0 or below a threshold, a month with no month term, or a cap, change the
    accrual but not the rows."""
    sub = world.subaccount(row.subaccount)
    if sub.is_partner_own or excluded(world, row) or world.is_referred(sub.account):
        return ZERO
    amount = paid(row) * rate_on(world, PARTNER_BONUS, row.date, row.currency)
    deal = chosen_deal(world, row.subaccount, month_of(row.date))
    if deal is not None and in_contract(deal, row.date):
        amount += paid(row) * rate_on(world, DEAL_EXTRA, row.date, row.currency)
    return amount
