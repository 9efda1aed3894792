"""An object's page (``/accounts/42/``) without a ``reverse()`` per call: a list links every row, and
``reverse()`` walks the URL patterns each time (about 20 µs). The path is reversed once per view name — with
a placeholder id — and the id is put in its place."""

from __future__ import annotations

from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

PLACEHOLDER = 8_642_097_531  # an id that no other part of a path holds


@lru_cache(maxsize=256)
def around_id(viewname: str, urlconf: str | None, script_prefix: str) -> tuple[str, str] | None:
    """What ``reverse(viewname, args=[id])`` writes before and after the id; None when the pattern does not
    take any integer id (then every call reverses)."""
    try:
        path = reverse(viewname, urlconf=urlconf, args=[PLACEHOLDER])
    except NoReverseMatch:
        return None
    before, found, after = path.partition(str(PLACEHOLDER))
    if not found or str(PLACEHOLDER) in after:
        return None
    return before, after


def object_path(viewname: str, pk: int) -> str:
    """``reverse(viewname, args=[pk])`` for an integer id, from the pattern reversed once."""
    parts = around_id(viewname, get_urlconf(), get_script_prefix()) if type(pk) is int and pk >= 0 else None
    if parts is None:
        return reverse(viewname, args=[pk])
    return f"{parts[0]}{pk}{parts[1]}"
