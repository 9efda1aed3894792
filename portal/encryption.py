"""Secrets the portal must use again but never show (a partner's storage key): sealed with Fernet
(cryptography: AES-128-CBC and HMAC-SHA256), under a key derived from ``EXPORT_SECRET_KEY`` — or, when that
is not set, from ``SECRET_KEY``. The database holds only the token; rotating the setting makes the stored
secrets unreadable, and the partner enters theirs again."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["InvalidToken", "seal", "unseal"]


def _fernet() -> Fernet:
    master = (settings.EXPORT_SECRET_KEY or settings.SECRET_KEY).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal sealed secrets").derive(master)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    """``secret`` encrypted and authenticated, as text for a database column."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(token: str) -> str:
    """The secret ``seal`` made ``token`` of; ``InvalidToken`` if the key changed or the token is not one."""
    return _fernet().decrypt(token.encode()).decode()
