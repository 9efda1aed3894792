"""API tokens: how one is made and how a presented one is found (never stored, only its SHA-256).

A token reads ``pp_<prefix>_<secret>``: the prefix (8 hex characters, not secret) finds the row with one
indexed lookup; the secret (256 random bits) is what proves it. Like GitHub's tokens, the ``pp_`` start
lets secret scanners recognise a leaked one."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone
from django_scopes import scopes_disabled

from .models import ApiToken

START = "pp_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh (token, prefix) pair; the caller stores ``prefix`` and ``digest(token)``, shows ``token``."""
    prefix = secrets.token_hex(4)
    return f"{START}{prefix}_{secrets.token_urlsafe(32)}", prefix


def find(presented: str) -> ApiToken | None:
    """The live token behind ``presented``: None when unknown, wrong, revoked or expired, or when its member
    was removed or its user deactivated (the member's access is what the token carries)."""
    if not presented.startswith(START) or presented.count("_") < 2 or len(presented) > 200:
        return None
    prefix = presented[len(START) :].split("_", 1)[0]
    with scopes_disabled():  # the partner is what the token tells: looked up before any scope is open
        token = (
            ApiToken.objects.select_related("membership__partner", "membership__user")
            .filter(prefix=prefix)
            .first()
        )
    # compared even when no row was found, so that an unknown prefix takes as long as a wrong secret
    expected = token.secret_hash if token is not None else "0" * 64
    if not hmac.compare_digest(expected, digest(presented)) or token is None:
        return None
    membership = token.membership
    if (
        token.revoked_at is not None
        or token.expires_at <= timezone.now()
        or membership.removed_at is not None
        or not membership.user.is_active
    ):
        return None
    return token
