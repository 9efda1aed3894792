"""Charts (portal/charts.py) are drawn once per distinct figures and reused: never a stale one."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from portal.charts import stacked_bars
from tests.charts import with_charts


def drawn(**kwargs) -> str:
    return with_charts(stacked_bars(**kwargs))


def test_a_chart_of_other_figures_labels_or_names_is_drawn_anew():
    first = drawn(title="Bonus", labels=["Sep", "Oct"], series={"Partner bonus": [Decimal("1234.50"), 2]})
    assert "1,250.00" in first  # the axis' top mark
    assert (
        drawn(title="Bonus", labels=["Sep", "Oct"], series={"Partner bonus": [Decimal("1234.50"), 2]})
        == first
    )

    changed = drawn(title="Bonus", labels=["Sep", "Oct"], series={"Partner bonus": [Decimal("1234.50"), 3]})
    assert changed != first
    assert "2,500.00" in drawn(title="Bonus", labels=["Sep", "Oct"], series={"Partner bonus": [2345, 3]})
    assert "Nov" in drawn(title="Bonus", labels=["Sep", "Nov"], series={"Partner bonus": [1, 2]})
    assert "Deal extra" in drawn(title="Bonus", labels=["Sep", "Oct"], series={"Deal extra": [1, 2]})


def test_a_chart_titled_in_another_language_is_drawn_in_it():
    from django.utils.translation import gettext_lazy

    title = gettext_lazy("Yes")  # one of Django's own, translated into Russian
    with translation.override("en"):
        english = stacked_bars(title=title, labels=["Sep"], series={"x": [1]})
    with translation.override("ru"):
        russian = stacked_bars(title=title, labels=["Sep"], series={"x": [1]})
    assert 'alt="Yes"' in english
    assert 'alt="Да"' in russian


def test_a_charts_figures_and_months_are_in_the_readers_language():
    """The marks and the months read as the table below the chart does: 1,250.00 / 1 250,00, Oct 2026 /
    Окт 2026 — and a chart in one language is never served in the other."""
    import datetime

    from portal.charts import month_labels

    def chart(language):
        with translation.override(language):
            labels = month_labels([datetime.date(2026, 10, 1)])
            return labels, drawn(title="Bonus", labels=labels, series={"x": [Decimal("1234.50")]})

    (english_labels, english), (russian_labels, russian) = chart("en"), chart("ru")
    assert english_labels == ["Oct 2026"] and russian_labels == ["Окт 2026"]
    assert "1,250.00" in english and "Oct 2026" in english
    assert "1\xa0250,00" in russian and "1,250.00" not in russian and "Окт 2026" in russian


def chart_of(stacked_bars_html: str) -> dict[str, str]:
    """The chart image's addresses of a ``stacked_bars`` picture: {"light": …, "dark": …}."""
    return {look: url for url, look in CHART_URL.findall(stacked_bars_html)}


CHART_URL = re.compile(r"(/charts/[0-9a-f]{64}/(light|dark)\.svg)")


@pytest.mark.parametrize("count", [1, 2, 8, 9])
@pytest.mark.parametrize("stacked", [True, False])
def test_the_dark_look_is_what_pygal_draws_in_the_dark_style(count, stacked):
    """The dark look, recoloured from the light one (up to eight series) or drawn (nine, beyond the eight
    colours), is byte for byte what pygal draws in DARK, its random chart id aside; a name or a title that
    reads like a colour stays as written."""
    from portal import charts

    kwargs = {
        "title": "Consumption #4d5661",
        "labels": ["1 Sep", "2 Sep", "3 Sep"],
        "series": {
            name: [Decimal(n + 1), Decimal("-2.5"), Decimal(100 * n)]
            for n, name in enumerate(["#0b57d0 #1B1F24", *(f"Service {n}" for n in range(1, count))])
        },
        "stacked": stacked,
    }

    def same_id(svg):
        return re.sub(r"chart-[0-9a-f-]{36}", "chart-id", svg)

    digest = re.search(r"/charts/([0-9a-f]{64})/", stacked_bars(**kwargs)).group(1)
    spec = charts.chart_spec(digest)
    light, dark = charts.chart_svg(digest, "light", spec), charts.chart_svg(digest, "dark", spec)
    assert same_id(light) == same_id(charts._svg(charts.LIGHT, **kwargs))
    assert same_id(dark) == same_id(charts._svg(charts.DARK, **kwargs)) != same_id(light)
    assert all("#0b57d0 #1B1F24" in svg and "Consumption #4d5661" in svg for svg in (light, dark))


@pytest.mark.django_db
def test_a_charts_image_is_served_to_its_partners_members_with_the_pages_right(
    partner, other_partner, member, client_for
):
    """The page keeps what to draw; the image's own address draws it: to a member of the partner whose page
    asked for it and whose role holds the page's right; another partner's member gets a 404, a role without
    the right a 403, an address of no chart (or one no longer kept) a 404, a visitor the sign-in page."""
    from django.core.cache import cache
    from django.test import Client
    from django_scopes import scope

    from portal.permissions import Right, Role
    from tests.factories import MembershipFactory

    chart = {
        "title": "Reward",
        "labels": ["Sep", "Oct"],
        "series": {"Reward": [Decimal("1234.50"), 2]},
        "right": Right.FINANCE_VIEW,
    }
    with scope(partner=partner.pk):
        picture = stacked_bars(**chart)
    urls = chart_of(picture)
    assert set(urls) == {"light", "dark"} and 'alt="Reward"' in picture

    shown = client_for(member(Role.VIEWER_PD)).get(urls["light"])
    assert shown.status_code == 200
    assert shown["Content-Type"].startswith("image/svg+xml")
    assert "immutable" in shown["Cache-Control"] and "private" in shown["Cache-Control"]
    assert "1,250.00" in shown.content.decode() and "<script" not in shown.content.decode()
    assert "style-src 'unsafe-inline'" in shown["Content-Security-Policy"]
    assert client_for(member(Role.VIEWER_PD)).get(urls["dark"]).status_code == 200

    assert client_for(member(Role.VIEWER)).get(urls["light"]).status_code == 403  # no finance.view
    stranger = MembershipFactory(partner=other_partner, role=Role.ADMINISTRATOR)
    assert client_for(stranger).get(urls["light"]).status_code == 404
    assert client_for(member()).get(f"/charts/{'0' * 64}/light.svg").status_code == 404
    assert Client().get(urls["light"]).status_code == 302  # to the sign-in page

    digest = urls["light"].split("/")[2]
    cache.delete_many([f"chart:{digest}", f"chart:{digest}:light"])  # no longer kept: gone, not drawn blank
    assert client_for(member()).get(urls["light"]).status_code == 404
    with scope(partner=partner.pk):  # the page shown again keeps it again, at the same address
        assert chart_of(stacked_bars(**chart)) == urls
    assert client_for(member()).get(urls["light"]).status_code == 200


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_days_label_is_its_date_formatted_day_and_month(language):
    import datetime

    from django.utils.formats import date_format

    from portal.charts import day_labels

    days = [datetime.date(2025, 12, 30) + datetime.timedelta(days=n) for n in range(70)]  # across a year
    with translation.override(language):
        assert day_labels(days) == [date_format(day, "j M") for day in days]
        assert day_labels(days)[:3] == (
            ["30 Dec", "31 Dec", "1 Jan"] if language == "en" else ["30 Дек", "31 Дек", "1 Янв"]
        )
