"""The select for a choice that grows with the partner (customer accounts, subaccounts): the page carries only
the chosen option(s); static/js/portal.js makes it search as you type (Tom Select) against a
``PortalSearchView``. A submitted id is still checked by the field's own, scoped queryset."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _


class SearchSelect(forms.Select):
    """``SearchSelect("accounts:search")``: the URL name of the search view, optional query ``params``
    (e.g. ``{"current": "1"}``: what the field's queryset leaves out, the search leaves out too)."""

    def __init__(self, url_name: str, params: dict | None = None, attrs=None):
        super().__init__(attrs)
        self.url_name = url_name
        self.params = params or {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        url = reverse(self.url_name)
        if self.params:
            url = f"{url}?{urlencode(self.params)}"
        context["widget"]["attrs"].update(
            {
                "data-search-url": url,
                "data-placeholder": _("Type to search"),
                "data-no-results": _("Nothing found"),
                "data-more": _("Loading more…"),
            }
        )
        return context

    # the objects the form has already found for the submitted values (its cleaned data): their options are
    # written without looking them up again (set by the form, e.g. in its clean_<field>)
    known: tuple = ()

    def use_required_attribute(self, initial):
        # Select's own check reads the first choice, i.e. the whole queryset; the server validates anyway
        return False

    def optgroups(self, name, value, attrs=None):
        """Only the chosen values (and the empty choice of a single select), never the field's queryset."""
        field = getattr(self.choices, "field", None)
        chosen = self.chosen(field, value, self.known)
        if not self.allow_multiple_selected and field is not None and field.empty_label is not None:
            chosen.insert(0, ("", field.empty_label, not chosen))
        return [
            (None, [self.create_option(name, v, label, selected, index, attrs=attrs)], index)
            for index, (v, label, selected) in enumerate(chosen)
        ]

    @staticmethod
    def chosen(field, value, known=()) -> list[tuple[str, str, bool]]:
        """``(value, label, True)`` for each submitted value the field's queryset holds; a foreign, unknown or
        malformed value is left out (the field's error says why). ``known``: objects already found for some
        of the values (the form's cleaned ones): when they are all of them, no query."""
        values = [str(v) for v in value if v not in (None, "")]
        if field is None or not values:
            return []
        key = field.to_field_name or "pk"
        by_value = {str(field.prepare_value(obj)): obj for obj in known}
        if all(v in by_value for v in values):
            found = [by_value[v] for v in dict.fromkeys(values)]
        else:
            try:
                found = list(field.queryset.filter(**{f"{key}__in": values}))
            except (ValueError, TypeError, ValidationError):
                return []
        return [(str(field.prepare_value(obj)), field.label_from_instance(obj), True) for obj in found]


class SearchSelectMultiple(SearchSelect, forms.SelectMultiple):
    """The same for several choices (a member's customer accounts)."""

    allow_multiple_selected = True
