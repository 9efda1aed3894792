"""The tenant-owned model base: every partner-owned row knows its partner and, where it has one, its
customer account, so one queryset method can scope it to a membership.

A forgotten partner filter fails loudly (django-scopes): every query of a tenant-owned model runs inside a
partner scope — the request's partner (``portal.tenancy``), a task's (``portal.outbox.OutboxTask``) — and
only over that partner's rows; outside any scope it raises ``ScopeError`` instead of reading every partner.
A deliberate read across partners says so with ``scopes_disabled()`` (Django admin, management commands,
the registration conflict check, a public page finding its object by a signed token). The scope is taken
when the query runs, not when it is built, so a queryset declared on a class (a view's ``queryset``, a
form field's) serves each request in that request's partner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import BooleanField, Expression, F, Field, ForeignObject, Lookup, Q, Subquery
from django_scopes import get_scope
from django_scopes.exceptions import ScopeError

if TYPE_CHECKING:
    from access.models import Membership


class IdArray:
    """Ids for ``__any``, given as one text parameter in PostgreSQL's array syntax (``{1,3,5}``): a list's
    values are walked one by one by Django (each resolved as an expression might be) and dumped one by one
    by psycopg — 3 ms a query for a member restricted to a thousand customers, a dozen queries a page; a
    string is neither."""

    __slots__ = ("text",)

    def __init__(self, ids):
        self.text = "{" + ",".join(map(str, map(int, ids))) + "}"


def account_array(membership) -> IdArray:
    """The ids of the accounts a restricted membership may see, as ``__any`` takes them: written once per
    membership object (a request's: Membership.allowed_account_array), or per call for another holder of
    ``allowed_account_ids``."""
    kept = getattr(membership, "allowed_account_array", None)
    return kept if kept is not None else IdArray(membership.allowed_account_ids)


@ForeignObject.register_lookup  # (a relation's lookups are its own, not every field's)
@Field.register_lookup
class AnyOfValues(Lookup):
    """``field__any=values``: ``field = ANY(array)``, the values as one array parameter — where ``__in``
    writes a placeholder per value, which Django compiles and PostgreSQL parses one by one (a member
    restricted to a thousand customers: a thousand in each query that filters by them). An empty list
    matches nothing."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [value.text if isinstance(value, IdArray) else list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        array = f"{self.lhs.output_field.db_type(connection)}[]"  # (a foreign key's: its target's type)
        return f"{lhs} = ANY({rhs}::{array})", [*lhs_params, *rhs_params]


class TenantQuerySet(models.QuerySet):
    _scoped = False  # the current scope's partner filter is in the query (or scopes are disabled)

    def _clone(self):
        clone = super()._clone()
        clone._scoped = self._scoped
        return clone

    def in_scope(self) -> TenantQuerySet:
        """This query with the open scope's partner filter; ScopeError when no scope is open."""
        if self._scoped:
            return self
        current = get_scope()
        clone = self._chain()
        clone._scoped = True
        if not current.get("_enabled", True):  # scopes_disabled(): on purpose, every partner
            return clone
        if "partner" not in current:
            raise ScopeError(
                f"{self.model.__name__} is partner-owned: query it inside scope(partner=…), or in "
                "scopes_disabled() where reading across partners is the point."
            )
        partner = current["partner"]
        many = isinstance(partner, list | tuple | set)
        # into the query itself: a sliced query cannot take filter(), and the slice is of the partner's rows
        clone.query.add_q(Q(**{f"{self.model.partner_field}{'__in' if many else ''}": partner}))
        return clone

    def _fetch_all(self):
        if self._scoped or self._result_cache is not None:
            return super()._fetch_all()
        scoped = self.in_scope()
        scoped._fetch_all()
        self._result_cache, self._prefetch_done = scoped._result_cache, scoped._prefetch_done
        return None

    def for_partner(self, partner) -> TenantQuerySet:
        return self.filter(**{self.model.partner_field: partner})

    def restrict(self, membership: Membership) -> TenantQuerySet:
        """Only the rows of the membership's partner, and of its selected accounts when it is restricted."""
        qs = self.for_partner(membership.partner_id)
        account_field = self.model.account_field
        if membership.restricted and account_field:
            qs = qs.filter(**{f"{account_field}__any": account_array(membership)})
        return qs


def _runs_in_scope(name: str):
    def method(self, *args, **kwargs):
        return getattr(super(TenantQuerySet, self.in_scope()), name)(*args, **kwargs)

    method.__name__ = name
    return method


# every other way a query reaches the database (iteration goes through _fetch_all); a queryset used inside
# another query (``__in``) is resolved in the scope open when that query is built
for _name in (
    "iterator",
    "count",
    "exists",
    "aggregate",
    "update",
    "_update",
    "delete",
    "contains",
    "explain",
    "resolve_expression",
):
    setattr(TenantQuerySet, _name, _runs_in_scope(_name))


def choice_label(choices: type[models.Choices], value) -> str:
    """What ``get_<field>_display()`` gives for ``value`` of a field with ``choices`` — the label in the
    active language, else the value itself — translating one label, not all: Django's method hashes every
    label of the field, each a lazy translation (110 µs for the five programs, at each call: 2.6 ms of a
    page that names 24 terms)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


class TenantModel(models.Model):
    """Abstract base of partner-owned models. ``partner_field``/``account_field`` are lookup paths."""

    partner_field = "partner"
    account_field: str | None = None

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """A task to queue, written in the same transaction as the rows it is about (portal/outbox.py): it is
    committed with them or not at all, and it waits here until the broker has taken it."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # the broker took it
    done_at = models.DateTimeField(null=True, blank=True)  # a worker ran it to the end: a redelivery skips

    class Meta:
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="portal_outbox_waiting"
            ),
            models.Index(fields=["sent_at"], name="portal_outbox_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class AnyOf(Expression):
    """``column = ANY(ARRAY(subquery))``: the subquery run once, its ids looked up in the column's index —
    unlike ``column IN (subquery)``, which PostgreSQL checks row by row when it is one branch of an OR, so
    the OR of index searches (the search's trigram indexes) becomes a scan of every row."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, queryset):
        super().__init__()
        self.column, self.subquery = F(column), Subquery(queryset)

    def get_source_expressions(self):
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs):
        self.column, self.subquery = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        subquery, subquery_params = compiler.compile(self.subquery)  # "(SELECT …)"
        return f"{column} = ANY(ARRAY{subquery})", (*column_params, *subquery_params)
