"""The test suite: fast hashing, emails in memory, static files without a manifest, media in a temp dir."""

import os
import tempfile
import uuid
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES, broker_url, caches, database, env

# no persistent connections: worker and live-server threads must let the test database go at the end; no
# replica from the environment: tests/portal/test_replica.py starts a real one of the test database
DATABASES = {"default": {**database(allow_embedded=True), "CONN_MAX_AGE": 0}}
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = broker_url(allow_embedded=True)  # results on the same Redis
# a cache prefix of this run's own (shared with the processes it starts), so runs on one Redis never mix
os.environ.setdefault("DJANGO_CACHE_KEY_PREFIX", f"portal-test-{uuid.uuid4().hex[:12]}")
CACHES = caches(CELERY_BROKER_URL)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "1000/m/ip", "login_failed": "5/5m/key,1000/m/ip"}  # noqa: F405
# a temp dir of its own, unless given: a worker process a test starts shares the test's
MEDIA_ROOT = Path(env("PORTAL_TEST_MEDIA_ROOT", default="") or tempfile.mkdtemp(prefix="portal-test-media-"))
