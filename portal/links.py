"""Signed single-use links, one way for every kind (an access invitation, a subaccount invitation).

The token signs the row's id and a random nonce stored on the row. Sending a new link replaces the nonce,
so the previous link is spent; answering clears it. The token carries no time — the row says when the link
expires — so the same row and nonce always give the same token (a page can show exactly the emailed link)
and showing it never extends it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing


def absolute_url(path: str) -> str:
    """``path`` on the address the portal is served on (PORTAL_BASE_URL): what emails and copy boxes link."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def new_nonce() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class SingleUseLink:
    salt: str  # one per kind: a token of one kind is never valid as another
    key: str  # the payload's name for the row's id

    def token(self, pk: int, nonce: str) -> str:
        return signing.Signer(salt=self.salt).sign_object({self.key: pk, "n": nonce})

    def read(self, token: str) -> tuple[object, str] | None:
        """The (id, nonce) a token names, or None when it was not signed by us for this kind of link.

        Also reads the timestamped encoding (``signing.dumps``) access invitations used until 2026-11-26,
        so their links stay valid until they expire (14 days)."""
        try:
            payload = signing.Signer(salt=self.salt).unsign_object(token)
        except (signing.BadSignature, ValueError):
            try:
                payload = signing.loads(token, salt=self.salt)
            except (signing.BadSignature, ValueError):
                return None
        if not isinstance(payload, dict) or self.key not in payload:
            return None
        return payload[self.key], str(payload.get("n", ""))

    @staticmethod
    def matches(stored_nonce: str, presented_nonce: str) -> bool:
        """True when the link is the latest one sent and not used yet (compared in constant time)."""
        return bool(stored_nonce) and secrets.compare_digest(stored_nonce, presented_nonce)
