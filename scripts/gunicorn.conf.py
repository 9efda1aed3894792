"""gunicorn's settings for the portal's web processes: the production shape (docker-compose.yml, the image)
and what the tests start. Each can be changed from the environment.

A request gunicorn gives up on is stopped at ``timeout``; its SQL has stopped before that
(DJANGO_DB_STATEMENT_TIMEOUT, 25 s in docker-compose), and a report that could not stream well inside it is
prepared by Celery instead (COMMISSION_STREAM_MAX_ROWS), so no download is ever cut off by the timeout.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
accesslog = "-"
