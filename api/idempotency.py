"""``Idempotency-Key`` on the POSTs that create a subaccount or move money: the first answer is kept with
the key (per token); a retry with the same key and body gets it again and changes nothing (no second
subaccount, no second email, no second withdrawal); the same key with another body is refused (422).

Two requests with one key at the same moment: the second waits on the key's unique index until the first
commits, then replays its answer."""

from __future__ import annotations

import functools
import hashlib
import json
import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response

from .models import IdempotencyKey

HEADER = "Idempotency-Key"

PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "Any unique value of yours (a UUID) per intended operation, at most 255 characters. A retry with the "
        "same key returns the first answer and changes nothing."
    ),
)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used with a different request.")
    default_code = "idempotency_key_reused"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(handler):
    """Decorate a viewset action: its answer is kept under the request's Idempotency-Key."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > 255:
            raise exceptions.ValidationError(
                {HEADER: [_("Send an Idempotency-Key header (1 to 255 characters) with this request.")]}
            )
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(token=request.auth, key=key, fingerprint=fingerprint)
        except IntegrityError:
            record = IdempotencyKey.objects.get(token=request.auth, key=key)
            if record.fingerprint != fingerprint:
                raise KeyReused() from None
            return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})
        response = handler(view, request, *args, **kwargs)
        if response.status_code < 400:
            record.status_code, record.body = response.status_code, response.data
            record.save(update_fields=["status_code", "body"])
        else:
            record.delete()  # a refusal changed nothing: the same key may be tried again
        return response

    return wrapper


# request keys of the services that are idempotent themselves (a withdrawal): one per token and key
_REQUEST_KEYS = uuid.UUID("6f0f3c55-2d8e-4bb4-9a0e-4f7c2f1e9b61")


def request_key(request) -> uuid.UUID:
    """The request's Idempotency-Key as a UUID of its token's own, for a service that takes a request key:
    even past the day its answer is kept here, the service itself does the operation once per key."""
    return uuid.uuid5(_REQUEST_KEYS, f"{request.auth.pk}:{request.headers.get(HEADER, '').strip()}")
