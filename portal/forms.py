"""The form base: every choice of a partner-owned object is limited to what the membership may see."""

from django import forms

from portal.models import TenantQuerySet


class PortalModelForm(forms.ModelForm):
    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if isinstance(queryset, TenantQuerySet):
                field.queryset = queryset.restrict(membership)
