"""The demo / developer machine: DEBUG on, emails to the console."""

from .base import *  # noqa: F403
from .base import broker_url, caches, database, env, with_replica

# runserver answers each request on a thread of its own: a kept connection would idle per thread until a
# shared server says "too many clients", so every request closes its own (gunicorn's workers keep theirs)
DATABASES = with_replica(
    {"default": {**database(allow_embedded=True), "CONN_MAX_AGE": env.int("DJANGO_CONN_MAX_AGE", default=0)}}
)
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = broker_url(allow_embedded=True)  # results on the same Redis
CACHES = caches(CELERY_BROKER_URL)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
