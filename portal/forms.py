"""The form base: every choice of a partner-owned object is limited to what the membership may see."""

import django_filters
from django import forms
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from portal.models import TenantQuerySet


class PortalModelForm(forms.ModelForm):
    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if isinstance(queryset, TenantQuerySet):
                field.queryset = queryset.restrict(membership)


class ListedChoiceIterator(ModelChoiceIterator):
    """A short list of model choices (a filter bar's owners) read with one plain query. Django reads model
    choices through ``queryset.iterator()``: on PostgreSQL a server-side cursor, and in a template rendered
    after the request's transaction a ``DECLARE … WITH HOLD`` that materializes the rows, then a FETCH and a
    CLOSE — three round trips for a few dozen rows. A choice that grows with the partner is a
    ``portal.widgets.SearchSelect``, which reads no choices at all."""

    def __iter__(self):
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        if field.null_label is not None:
            yield (field.null_value, field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ListedModelChoiceField(ModelChoiceField):
    iterator = ListedChoiceIterator


class ListedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """``ModelChoiceFilter`` whose choices are read as ``ListedChoiceIterator`` says."""

    field_class = ListedModelChoiceField
