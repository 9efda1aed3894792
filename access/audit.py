"""The audit trail's one entry point. The request's client address is kept for the duration of the request
(a context variable set by AuditMiddleware), so services record it without passing requests around."""

from __future__ import annotations

import contextvars

from portal.client_address import client_address

from .models import AuditEvent

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_client_ip", default=None)


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

    return AuditEvent.objects.create(
        partner_id=partner_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target=str(target)[:255],
        details=details or {},
        ip_address=_client_ip.get(),
    )
