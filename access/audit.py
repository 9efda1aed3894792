"""The audit trail's one entry point. The request's client address is kept for the duration of the request
(a context variable set by AuditMiddleware), so services record it without passing requests around."""

from __future__ import annotations

import contextvars

from django.utils.translation import gettext_lazy as _

from portal.client_address import client_address

from .models import AuditEvent

# every action the trail records, in words (the page, its filter and its CSV show these)
ACTIONS = {
    "membership.change": _("Role or scope changed"),
    "membership.remove": _("User removed"),
    "invitation.create": _("User invited"),
    "invitation.resend": _("Invitation resent"),
    "invitation.revoke": _("Invitation revoked"),
    "invitation.accept": _("Invitation accepted"),
    "security.change": _("Security settings changed"),
    "profile.change": _("Profile changed"),
    "payout.change": _("Payout details changed"),
    "subaccount.status": _("Subaccount status changed"),
    "withdrawal.request": _("Withdrawal requested"),
    "withdrawal.decide": _("Withdrawal approved, paid or rejected"),
    "referral.link_created": _("Referral link created"),
    "referral.link_deactivated": _("Referral link deactivated"),
    "referral.link_sent": _("Referral link sent by email"),
    "referral.signup": _("Customer joined through a referral link"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "api.write": _("Change made through the API"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def _value(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


def describe(details: dict) -> str:
    """An entry's details as a person reads them, text as written: ``field: before → after`` for each
    change (``{"field": {"before", "after"}}`` or ``{"before": {…}, "after": {…}}``), ``key: value`` else."""
    if not details:
        return ""
    if set(details) == {"before", "after"} and isinstance(details["before"], dict):
        before, after = details["before"], details["after"] or {}
        keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
        details = {k: {"before": before.get(k), "after": after.get(k)} for k in keys}
    parts = []
    if "from" in details and "to" in details:  # a status: from → to
        parts.append(f"{_value(details['from'])} → {_value(details['to'])}")
        details = {k: v for k, v in details.items() if k not in ("from", "to")}
    for key, value in details.items():
        if isinstance(value, dict) and set(value) == {"before", "after"}:
            parts.append(f"{key}: {_value(value['before'])} → {_value(value['after'])}")
        elif isinstance(value, dict) and set(value) == {"from", "to"}:
            parts.append(f"{key}: {_value(value['from'])} → {_value(value['to'])}")
        else:
            parts.append(f"{key}: {_value(value)}")
    return "; ".join(parts)


_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_client_ip", default=None)
# the API token a request acts with (api/authentication.py): every entry it writes names the token
_api_token: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_api_token", default=None)


class through_token:  # noqa: N801 - used as a context manager, like a function
    """Within it, every audit entry says which API token (by its name) made the change."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self._reset = _api_token.set(self.name)
        return self

    def __exit__(self, *exc):
        _api_token.reset(self._reset)


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


def audit(*, partner_id: int, actor, action: str, target: str, details: dict | None = None):
    """Append one entry to the partner's audit trail (who, what, on what, from which address)."""

    details = dict(details or {})
    if (token_name := _api_token.get()) is not None:
        details.setdefault("api_token", token_name)
    return AuditEvent.objects.create(
        partner_id=partner_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target=str(target)[:255],
        details=details,
        ip_address=_client_ip.get(),
    )
