"""The client's address, the one way: allauth's reading of it, so throttling, the audit trail and referral
clicks agree (settings: ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER)."""

from __future__ import annotations

from allauth.core.internal.httpkit import get_client_ip
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The connection's address, or behind trusted proxies the one the outermost proxy saw; None if none."""
    return get_client_ip(request)
