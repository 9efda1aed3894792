"""gunicorn's settings for the portal's web processes: the production shape (docker-compose.yml, the image)
and what the tests start. Each can be changed from the environment.

Threads (``gthread``), two processes of four: chosen by measurement (`bench/run load`, 50 users with 1–3 s
think time, README "Benchmarks"): on 2 cores it kept up with the users with the lowest median, the least
CPU per request and half the memory of three or five ``sync`` processes, and a slow page or a streamed
download holds one thread, not one of a few processes. One process per core: set GUNICORN_WORKERS to the
machine's cores.

With threads, ``timeout`` watches that a process is alive, not how long a request takes: what bounds a
request is its SQL (DJANGO_DB_STATEMENT_TIMEOUT, 25 s in docker-compose), and a report that could not stream
well inside that is prepared by Celery instead (COMMISSION_STREAM_MAX_ROWS), so no download is cut off.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
accesslog = "-"
