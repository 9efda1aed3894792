"""Logging (``LOGGING`` in config/settings/base.py): a refusal is one line, an error keeps its traceback."""

from __future__ import annotations

import logging


class ForbiddenInOneLine(logging.Filter):
    """On ``django.request``: a 403 from ``PermissionDenied`` — a member without the right, an expected
    answer, not a fault — is logged as one line (method, path, user id, the reason) without its traceback;
    every other record passes as it is (a 500 with its traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403 or not record.exc_info:
            return True
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else "anonymous"
        reason = str(record.exc_info[1]) or record.exc_info[0].__name__
        record.msg = "Forbidden: %s %s (user %s): %s"
        record.args = (getattr(request, "method", "?"), getattr(request, "path", "?"), user_id, reason)
        record.exc_info = None
        record.exc_text = None
        return True
