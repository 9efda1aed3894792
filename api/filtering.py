"""The pages' filtersets for the API (django-filter's backend), one rule stricter: a filter given empty is
refused unless it is free text. On a page an empty choice means "any" (a form sends every field); a client
that sends ``status=`` means something, and the schema says which values there are."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError


def refuse_empty(given, names) -> None:
    """A 400 problem naming each of ``names`` given empty in the query ``given``."""
    empty = [name for name in names if name in given and not given[name].strip()]
    if empty:
        raise ValidationError({name: [_("Give a value or leave the parameter out.")] for name in empty})


class FilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            exact = [name for name, found in filterset.filters.items() if not isinstance(found, CharFilter)]
            refuse_empty(request.query_params, exact)
        return filterset
