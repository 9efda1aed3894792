"""The form renderer (portal/renderers.py) writes the widgets of a form exactly as Django's templates do: each
kind of input, selects with groups and choices of every kind, text areas — and every list page's and period
page's filter bar, in English and Russian, blank and filled in."""

import datetime
import re
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.renderers import PortalFormRenderer
from tests.factories import AccountFactory, SubaccountFactory
from tests.portal.test_query_counts import LISTS


class OwnOption(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"  # not select_option: the template's way


class EveryWidget(forms.Form):
    text = forms.CharField(label=_("Search"), widget=forms.TextInput(attrs={"placeholder": 'a "b" <c>'}))
    number = forms.DecimalField(required=False)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    day = forms.DateField(required=False)
    moment = forms.DateTimeField(required=False)
    time = forms.TimeField(required=False)
    flag = forms.BooleanField(required=False)
    note = forms.CharField(widget=forms.Textarea, required=False)
    choice = forms.ChoiceField(
        choices=[("", "—"), ("a&b", "A & <b>"), (1234, 1234567), ("safe", mark_safe("<em>safe</em>"))],
        required=False,
    )
    grouped = forms.ChoiceField(
        choices=[
            ("Group <1>", [("x", "X"), ("y", _("Yes"))]),
            ("z", "Z"),
            (_("Other"), [(3, Decimal("1234.5"))]),
        ],
        required=False,
    )
    several = forms.MultipleChoiceField(choices=[("1", "one"), ("2", "two"), ("3", "three")], required=False)
    maybe = forms.NullBooleanField(required=False)
    own = forms.ChoiceField(choices=[("1", "one")], widget=OwnOption, required=False)
    attributed = forms.CharField(
        widget=forms.TextInput(
            attrs={
                "data-on": True,
                "data-off": False,
                "data-n": 7,
                "data-safe": mark_safe("&amp;"),
                "data-l": _("Yes"),
            }
        ),
        required=False,
    )


FILLED = {
    "text": "<script>alert('x')</script> & co",
    "number": "1234.50",
    "email": "a@b.example",
    "url": "https://x.example/?a=1&b=2",
    "password": "p<w>",
    "hidden": '"quoted"',
    "date": "2026-11-26",
    "day": "2026-11-26",
    "moment": "2026-11-26 10:11:12",
    "time": "10:11",
    "flag": "on",
    "note": "line 1\n<b>line 2</b>",
    "choice": "a&b",
    "grouped": "y",
    "several": ["1", "3"],
    "maybe": "true",
    "own": "1",
    "attributed": "",
}


def each_widget(form) -> dict[str, str]:
    return {name: str(form[name]) for name in form.fields}


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize(
    "data", [None, FILLED, {"text": "", "number": "x", "date": "bad"}], ids=["blank", "filled", "invalid"]
)
def test_every_kind_of_widget_is_written_as_djangos_templates_write_it(settings, language, data):
    settings.USE_THOUSAND_SEPARATOR = True
    initial = {"number": Decimal("98765.4321"), "day": datetime.date(2026, 1, 31), "flag": True, "note": "n"}
    with translation.override(language):
        ours = EveryWidget(data, initial=initial, renderer=PortalFormRenderer())
        django = EveryWidget(data, initial=initial, renderer=DjangoTemplates())
        if data is not None:
            ours.is_valid(), django.is_valid()
        templated = []
        with pytest.MonkeyPatch.context() as patch:
            render = DjangoTemplates.render
            patch.setattr(
                DjangoTemplates, "render", lambda *a, **k: templated.append(a[1]) or render(*a, **k)
            )
            written = each_widget(ours)
        assert templated == [
            "django/forms/widgets/select.html"
        ]  # only the select whose options are not Django's
        assert written == each_widget(django)
        assert ours.render() == django.render()
    html = each_widget(ours)
    assert "&lt;script&gt;" in html["text"] if data is FILLED else True
    assert "<em>safe</em>" in html["choice"]


def test_the_setting_names_the_portal_renderer():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), PortalFormRenderer)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def page_with(client, settings, renderer, path, params):
    settings.FORM_RENDERER = renderer  # Django's setting_changed clears the default renderer's cache
    response = client.get(path, params)
    assert response.status_code == 200
    return CSRF.sub("", response.content.decode())


PAGES = [(u.name, {}) for u in LISTS] + [
    ("accounts:list", {"q": "<a> & b", "stage": "prospect", "country": "RU", "show": "all"}),
    ("subaccounts:list", {"q": "00042", "status": "active"}),
    ("finance:bonuses", {"period": "custom", "start": "2026-01", "finish": "2026-06"}),
    ("finance:usage", {"period": "custom", "start": "2026-01-01", "finish": "2026-03-31", "group": "month"}),
    ("finance:partner_bonus", {"q": "x", "month": "2026-10"}),
    ("finance:index", {"program": "partner_bonus", "currency": "RUB"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize(("name", "params"), PAGES, ids=[f"{n}{'+' if p else ''}" for n, p in PAGES])
def test_every_filter_bar_is_the_same_page_as_with_djangos_renderer(
    name, params, language, partner, member, client_for, settings
):
    account = AccountFactory(partner=partner, name="Kappa <&>", country="RU")
    subaccount = SubaccountFactory(account=account)
    client = client_for(member())
    client.cookies["django_language"] = language
    path = reverse(name)
    if name == "subaccounts:list":
        params = {**params, "account": account.pk}
    if name == "finance:usage":
        params = {**params, "subaccount": subaccount.pk}
    ours = page_with(client, settings, "portal.renderers.PortalFormRenderer", path, params)
    django = page_with(client, settings, "django.forms.renderers.DjangoTemplates", path, params)
    assert ours == django
