"""The role table of DESIGN.md, in one place, and the one check every view makes against it."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    EDITOR_PD = "editor_pd", _("Editor with personal data")
    EDITOR = "editor", _("Editor")
    VIEWER_PD = "viewer_pd", _("Viewer with personal data")
    VIEWER = "viewer", _("Viewer")


class Right(StrEnum):
    """What a role may do; a view names the one right its action needs."""

    PORTAL = "portal.use"  # the dashboard and the partner switch: every role
    ACCOUNTS_VIEW = "accounts.view"
    ACCOUNTS_MANAGE = "accounts.manage"
    PERSONAL_DATA = "personal_data.view"
    FINANCE_VIEW = "finance.view"  # usage details and balances
    FINANCE_WITHDRAW = "finance.withdraw"
    # set up the regular export of the detailed report to the partner's bucket: the editing roles that see
    # usage details (a plain Editor does not see them, so may not send them anywhere either)
    FINANCE_EXPORT = "finance.export"
    TOOLS_VIEW = "tools.view"
    TOOLS_USE = "tools.use"
    PROFILE_VIEW = "profile.view"
    PROFILE_EDIT = "profile.edit"
    ACCESS_MANAGE = "access.manage"


R = Right
_VIEWER = {R.PORTAL, R.ACCOUNTS_VIEW, R.TOOLS_VIEW, R.PROFILE_VIEW}
_EDITOR = _VIEWER | {R.ACCOUNTS_MANAGE, R.TOOLS_USE}

# DESIGN.md "Roles": one row per role, one column per right.
ROLE_RIGHTS: dict[str, frozenset[Right]] = {
    Role.ADMINISTRATOR: frozenset(
        _EDITOR
        | {
            R.PERSONAL_DATA,
            R.FINANCE_VIEW,
            R.FINANCE_WITHDRAW,
            R.FINANCE_EXPORT,
            R.PROFILE_EDIT,
            R.ACCESS_MANAGE,
        }
    ),
    Role.EDITOR_PD: frozenset(
        _EDITOR | {R.PERSONAL_DATA, R.FINANCE_VIEW, R.FINANCE_WITHDRAW, R.FINANCE_EXPORT}
    ),
    Role.EDITOR: frozenset(_EDITOR),
    Role.VIEWER_PD: frozenset(_VIEWER | {R.PERSONAL_DATA, R.FINANCE_VIEW}),
    Role.VIEWER: frozenset(_VIEWER),
}


def role_has(role: str, right: Right | str) -> bool:
    return Right(right) in ROLE_RIGHTS.get(role, frozenset())


def mask_email(value: str) -> str:
    """``alice@example.com`` -> ``a***@example.com``: how personal data shows to roles without the right."""
    if not value:
        return value
    local, _sep, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else f"{value[:1]}***"


def mask_text(value: str) -> str:
    """Names, phones and bank details: first character kept, the rest hidden."""
    return f"{value[:1]}***" if value else value


def mask(value) -> str:
    """Any piece of personal data as a role without the right sees it (an email keeps its domain)."""
    value = "" if value is None else str(value)
    return mask_email(value) if "@" in value else mask_text(value)


def personal(value, membership) -> str:
    """The one masking rule, for code that has a membership: the value itself for a role with the right to
    personal data, else masked. Templates use the ``personal`` filter, tables ``PersonalDataColumn``."""
    if membership is not None and membership.has(Right.PERSONAL_DATA):
        return "" if value is None else str(value)
    return mask(value)
