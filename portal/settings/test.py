"""The test suite: fast hashing, emails kept in memory, static files without a manifest."""

from .base import *  # noqa: F403
from .base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "1000/m/ip", "login_failed": "5/5m/key,1000/m/ip"}  # noqa: F405
