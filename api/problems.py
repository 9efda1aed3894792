"""Every error of the API as problem details (RFC 9457, ``application/problem+json``):

    {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "…", "instance": "/api/v1/…",
     "errors": [{"field": "tax_id", "detail": "…", "code": "invalid"}]}

A service's refusal (Django's ValidationError, the one the pages show on their forms) is a 400 with its
field errors, or a 409 when it names no field (the object's state forbids it: archiving a customer with live
subaccounts). Another partner's ids are 404, exactly as on the pages."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, status
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

CONTENT_TYPE = "application/problem+json"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the object.")
    default_code = "conflict"


def _from_django(error: DjangoValidationError) -> exceptions.APIException:
    if hasattr(error, "error_dict"):
        detail = {
            field: [strip_tags(str(message)) for message in messages]
            for field, messages in error.message_dict.items()
        }
        if set(detail) <= {"__all__"}:
            return Conflict(" ".join(detail.get("__all__", [])))
        return exceptions.ValidationError(detail)
    return Conflict(" ".join(strip_tags(str(m)) for m in error.messages))


def _field_errors(data, prefix="") -> list[dict]:
    """DRF's nested error structure, flattened: one entry per message, its field as a dotted path."""
    if isinstance(data, dict):
        found = []
        for key, value in data.items():
            name = prefix if key in ("non_field_errors", "__all__") else f"{prefix}.{key}".lstrip(".")
            found += _field_errors(value, name)
        return found
    if isinstance(data, list):
        if all(isinstance(item, str) for item in data):
            return [
                {"field": prefix or None, "detail": str(item), "code": getattr(item, "code", "invalid")}
                for item in data
            ]
        found = []
        for index, item in enumerate(data):
            found += _field_errors(item, f"{prefix}.{index}".lstrip("."))
        return found
    return [{"field": prefix or None, "detail": str(data), "code": getattr(data, "code", "invalid")}]


def problem(status_code: int, detail: str, *, instance: str = "", **extra) -> dict:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": str(detail),
    }
    if instance:
        body["instance"] = instance
    return {**body, **extra}


class NotFoundView(APIView):
    """An address under /api/ that the API does not have (api/urls.py's last pattern), whatever the method:
    as at the API's own addresses, a request without a valid token is answered 401 first (nothing tells it
    which addresses exist, and a write is never refused by the pages' CSRF check), then a 404 problem
    document, not the portal's HTML page."""

    permission_classes = [permissions.IsAuthenticated]
    schema = None  # not an operation of the API

    def answer(self, request, *args, **kwargs):
        raise exceptions.NotFound(_("The API has no such address; see /api/v1/docs/."))

    get = post = put = patch = delete = options = answer

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        del response["Allow"]  # no address here, so no method is allowed on it (DRF lists this view's)
        return response


not_found = NotFoundView.as_view()


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _from_django(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 page, logged
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(response.data)
        body = problem(
            response.status_code,
            _("The request is not valid; see the errors."),
            instance=instance,
            errors=errors,
        )
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        body = problem(response.status_code, detail, instance=instance)
    response.data = body
    response.content_type = CONTENT_TYPE
    return response
