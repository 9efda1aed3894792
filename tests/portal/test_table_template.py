"""The portal's table template (templates/portal/table.html, rows rendered by portal/tables.py) writes the
same HTML as django-tables2's own template: header sort links, cells, empty state, pagination, masking."""

import re
from decimal import Decimal

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.test.html import parse_html
from django.test.utils import isolate_apps
from django.urls import reverse

from accounts.models import Account
from portal.permissions import Role
from portal.tables import BooleanColumn, DateColumn, DateTimeColumn, PersonalDataColumn, PortalTable
from tests.factories import AccountContactFactory, AccountFactory
from tests.portal.test_query_counts import LISTS
from tests.portal.urlwalk import object_of

STOCK = "django_tables2/table.html"
CONTAINER = re.compile(
    r'<div class="table-container">.*?</table>\s*(?:<ul class="pagination">.*?</ul>)?\s*</div>', re.S
)


def table_html(page: str) -> str:
    found = CONTAINER.findall(page)
    assert len(found) == 1, "one table on the page"
    return found[0]


def both(client, path, params):
    """The page's table as our template writes it, and as django-tables2's own template would."""
    ours = client.get(path, params)
    assert ours.status_code == 200
    ours_html = table_html(ours.content.decode())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PortalTable, "template_name", property(lambda self: STOCK, lambda self, value: None))
        stock = client.get(path, params)
    return ours_html, table_html(stock.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS, ids=lambda u: u.name)
def test_every_list_renders_as_django_tables2_would(url, partner, member, client_for):
    """Empty, then a first and a second page, sorted by each sortable column both ways: the same HTML."""
    client = client_for(member())
    path = reverse(url.name)

    def same(params=None):
        ours, stock = both(client, path, params or {})
        assert parse_html(ours) == parse_html(stock)
        return ours

    same()
    for _ in range(27):  # more than a page
        object_of(url.view_class.queryset.model, partner, url.view_class.queryset)
    first = same()
    table = client.get(path).context["table"]
    if len(table.rows) > 25:
        assert 'class="pagination"' in first
        assert "<tbody" in first and first.count("<tr ") >= 25
        same({"page": 2})
    for column in table.columns:
        if column.orderable:
            same({"sort": column.name})
            same({"sort": f"-{column.name}"})


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.VIEWER_PD], ids=str)
def test_the_accounts_list_masks_contacts_as_before(partner, member, client_for, role):
    account = AccountFactory(partner=partner, name="Kappa")
    AccountContactFactory(account=account, name="Zoya Hidden", email="zoya.hidden@customer.example")
    client = client_for(member(role))
    ours, stock = both(client, reverse("accounts:list"), {})
    assert parse_html(ours) == parse_html(stock)
    assert ("zoya.hidden@customer.example" in ours) is (role == Role.VIEWER_PD)
    assert ("z***@customer.example" in ours) is (role == Role.VIEWER)


class Countries(tables.Table):
    """Every path of a cell django-tables2 knows: a model field with choices, a missing attribute, a
    default, a callable td attribute, a link, a localized and an unlocalized number, a render method."""

    name = tables.Column(linkify=True, attrs={"td": {"data-name": lambda value: f"n-{value}"}})
    stage = tables.Column()
    missing = tables.Column(accessor="no__such__attribute", default="—")
    number = tables.Column(accessor="pk", localize=True, attrs={"td": {"class": "numeric"}})
    plain = tables.Column(accessor="pk", localize=False)
    contact = PersonalDataColumn(accessor="name")
    doubled = tables.Column(accessor="pk", empty_values=())
    amount = tables.Column(accessor="pk")

    def render_doubled(self, value, record):
        return f"{value * 2} {record.name}"

    def render_number(self):
        return Decimal("12345.5")

    def render_plain(self):
        return Decimal("12345.5")

    def render_amount(self):
        return Decimal("-9876543.21")


def render(table, template_name, request):
    template = Template("{% load django_tables2 %}{% render_table table template_name %}")
    return template.render(Context({"table": table, "template_name": template_name, "request": request}))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_kind_of_cell_renders_as_django_tables2_would(partner, settings, language):
    from django.utils import translation

    settings.USE_THOUSAND_SEPARATOR = True
    for n in range(3):
        AccountFactory(partner=partner, name=f"Acme <{n}> & sons")
    request = RequestFactory().get("/accounts/", {"sort": "-name"})

    def table():
        made = Countries(Account.objects.order_by("pk"), attrs={"class": "table"})
        tables.RequestConfig(request, paginate={"per_page": 2}).configure(made)
        return made

    with translation.override(language):
        ours, stock = render(table(), "portal/table.html", request), render(table(), STOCK, request)
        prospect = str(Account.Stage.PROSPECT.label)
    assert parse_html(ours) == parse_html(stock)
    assert 'data-name="n-&lt;a href=' in ours  # the callable attribute, per cell, given the cell
    assert "&lt;2&gt; &amp; sons" in ours and "<2>" not in ours  # escaped
    assert prospect in ours  # the choice's label, in the language ("Prospect" in English)
    assert ("12,345.5" if language == "en" else "12\xa0345,5") in ours  # localized
    assert "<td >12345.5</td>" in ours  # unlocalized
    assert ("-9,876,543.21" if language == "en" else "-9\xa0876\xa0543,21") in ours  # as {{ cell }} writes it
    assert "A***" in ours  # masked: no membership given


@pytest.mark.django_db
def test_an_empty_table_says_so_as_before(partner):
    request = RequestFactory().get("/")
    ours = render(Countries(Account.objects.none(), empty_text="Nothing here."), "portal/table.html", request)
    stock = render(Countries(Account.objects.none(), empty_text="Nothing here."), STOCK, request)
    assert parse_html(ours) == parse_html(stock)
    assert "Nothing here." in ours


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("emphasis", [True, False])
@pytest.mark.parametrize("thousands", [True, False])
def test_money_cells_write_each_amount_as_the_money_filter_would(settings, language, emphasis, thousands):
    """Bonuses by month's rows: a pair of amounts per month, rounded half up and localized."""
    from django.utils import translation

    settings.USE_THOUSAND_SEPARATOR = thousands
    pairs = [
        (Decimal("1234567.125"), Decimal("-0.005")),
        (Decimal("0.00"), None),
        (Decimal("12.3456789012"), Decimal("99999.995")),
        ("", Decimal("-1E+3")),
        (Decimal("-0"), 12345),
        (Decimal("9" * 25 + ".999"), Decimal("1E-7")),
    ]
    strong = ("<strong>", "</strong>") if emphasis else ("", "")
    loop = Template(
        '{% load portal_tags %}{% for paid, bonus in pairs %}<td class="numeric">{{ paid|money }}<br>'
        + strong[0]
        + "{{ bonus|money }}"
        + strong[1]
        + "</td>{% endfor %}"
    )
    tag = Template("{% load portal_tags %}{% money_cells pairs emphasis=emphasis %}")
    with translation.override(language):
        expected = loop.render(Context({"pairs": pairs}))
        written = tag.render(Context({"pairs": pairs, "emphasis": emphasis}))
    assert written == expected
    grouped = "1,234,567.13" if language == "en" else "1\xa0234\xa0567,13"
    assert (grouped if thousands else {"en": "1234567.13", "ru": "1234567,13"}[language]) in written
    with translation.override(language):  # a template that does not localize
        unlocalized = Template(
            "{% load l10n portal_tags %}{% localize off %}" + tag.source + "{% endlocalize %}"
        )
        plain = Template("{% load l10n portal_tags %}{% localize off %}" + loop.source + "{% endlocalize %}")
        context = {"pairs": pairs, "emphasis": emphasis}
        assert unlocalized.render(Context(context)) == plain.render(Context(context))


@isolate_apps("accounts")
def test_a_choice_label_comes_from_djangos_own_display_method_only():
    """A cell's choice label is looked up once per table only where ``get_<field>_display()`` is Django's; a
    model that writes its own keeps it."""
    from portal.tables import display_field

    assert display_field(Account, "stage") is Account._meta.get_field("stage")
    assert display_field(Account, "name") is None  # no choices: no such method

    class Custom(Account):
        class Meta:
            proxy = True
            app_label = "accounts"

        def get_stage_display(self):
            return "own"

    assert display_field(Custom, "stage") is None


NUMBERS = [
    Decimal("0"),
    Decimal("-0.00"),
    Decimal("0.005"),
    Decimal("12.3456789012"),
    Decimal("-9876543.21"),
    Decimal("1234567.13"),
    Decimal("999.99"),
    Decimal("1000"),
    Decimal("1E+3"),
    Decimal("-1.5E+7"),
    Decimal("1E-5"),
    Decimal("7" * 150 + "." + "3" * 60),  # over numberformat's 200 digits: its scientific notation
    0,
    7,
    -1234567,
    10**25,
    1234.5,
    -0.0,
]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("thousands", [True, False])
def test_numbers_are_localized_as_the_template_localizes_them(settings, language, thousands):
    """A table's figures (cells, Bonuses by month's amounts) are written as ``{{ number }}`` writes them, in
    either language, with or without the thousands separator — the fast path included."""
    from django.template.base import render_value_in_context
    from django.utils import translation

    from portal.tables import localized_numbers

    settings.USE_THOUSAND_SEPARATOR = thousands
    context = Context()
    with translation.override(language):
        numbers = localized_numbers()
        for number in NUMBERS:
            assert numbers(number) == render_value_in_context(number, context), number
        written = numbers(Decimal("-1234567.13"))
    grouped = {"en": "-1,234,567.13", "ru": "-1\xa0234\xa0567,13"}[language]
    assert written == (grouped if thousands else {"en": "-1234567.13", "ru": "-1234567,13"}[language])


class Dates(PortalTable):
    month = tables.DateColumn(format="M Y")  # django-tables2's own: its template per cell
    ours_month = DateColumn(accessor="month", format="M Y")
    day = DateColumn(accessor="month")
    long = DateColumn(accessor="month", short=False)
    moment = DateTimeColumn()

    class Meta:
        orderable = False


@pytest.mark.parametrize("language", ["en", "ru"])
def test_dates_are_written_as_django_tables2_writes_them_each_day_once(settings, language):
    """Dates as django-tables2's template writes them, in either language, a day repeated down the column
    formatted once per table; a datetime in the current time zone."""
    import datetime

    from django.utils import timezone, translation

    rows = [
        {
            "month": datetime.date(2026, 5, 1),
            "moment": timezone.make_aware(datetime.datetime(2026, 5, 1, 23, 30)),
        },
        {
            "month": datetime.date(2026, 5, 1),
            "moment": datetime.datetime(2026, 5, 2, 0, 30, tzinfo=datetime.UTC),
        },
        {"month": datetime.date(2025, 12, 1), "moment": None},
        {"month": None, "moment": None},
    ]
    request = RequestFactory().get("/")
    with translation.override(language):
        ours = render(Dates(rows), "portal/table.html", request)
        stock = render(Dates(rows), STOCK, request)
    assert parse_html(ours) == parse_html(stock)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", ours)
    assert cells[0] == cells[1] and cells[5] == cells[6]  # django-tables2's and ours, the same month
    assert cells[0] == {"en": "May 2026", "ru": "Май 2026"}[language]

    table = Dates(rows)  # one table in both languages: each its own words
    with translation.override("en"):
        english = render(table, "portal/table.html", request)
    with translation.override("ru"):
        russian = render(table, "portal/table.html", request)
    assert "May 2026" in english and "Май 2026" in russian and "May 2026" not in russian


class Flags(PortalTable):
    stock = tables.BooleanColumn(accessor="flag")
    ours = BooleanColumn(accessor="flag")
    stock_null = tables.BooleanColumn(
        accessor="flag", null=True, yesno="yes,<no>", attrs={"span": {"title": "t"}}
    )
    ours_null = BooleanColumn(accessor="flag", null=True, yesno="yes,<no>", attrs={"span": {"title": "t"}})

    class Meta:
        orderable = False


def test_boolean_cells_are_django_tables2s_written_once_each():
    rows = [{"flag": True}, {"flag": False}, {"flag": None}, {"flag": 1}, {"flag": ""}, {"flag": True}]
    html = render(Flags(rows), "portal/table.html", RequestFactory().get("/"))
    for row in re.findall(r"<tr [^>]*>(.*?)</tr>", html, re.S):
        stock, ours, stock_null, ours_null = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert (stock, stock_null) == (ours, ours_null)
    assert '<span class="true">✔</span>' in html and '<span class="false" title="t">&lt;no&gt;</span>' in html


class Numbers(PortalTable):
    name = tables.Column(attrs={"th": {"class": "sorted <x>"}})
    size = tables.Column(verbose_name="Size & <weight>")
    fixed = tables.Column(accessor="size", orderable=False)


@pytest.mark.parametrize("page", [1, 2, 15, 29, 30])
def test_the_header_and_pages_link_as_django_tables2s_querystring_replace_would(page):
    """Sort links and page links keep the request's other parameters (repeated ones, characters to escape)
    and replace only their own, on the first, a middle and the last of many pages."""
    rows = [{"name": f"n{n:03}", "size": n * 1000} for n in range(300)]
    request = RequestFactory().get(
        "/accounts/", {"page": page, "sort": "-name", "q": 'a&b <c> "d"', "multi": ["1", "2"], "x": ""}
    )

    def table():
        made = Numbers(rows, attrs={"class": "table"})
        tables.RequestConfig(request, paginate={"per_page": 10}).configure(made)
        return made

    ours, stock = render(table(), "portal/table.html", request), render(table(), STOCK, request)
    assert parse_html(ours) == parse_html(stock)
    assert "multi=1&amp;multi=2" in ours and "q=a%26b+%3Cc%3E+%22d%22" in ours
    assert '<a href="#">...</a>' in ours  # a gap in thirty pages
