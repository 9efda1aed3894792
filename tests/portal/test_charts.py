"""Charts (portal/charts.py) are drawn once per distinct figures and reused: never a stale one."""

from decimal import Decimal

import pytest
from django.utils import translation

from portal.charts import stacked_bars
from tests.charts import with_charts


def drawn(**kwargs) -> str:
    return with_charts(stacked_bars(**kwargs))


def test_a_chart_of_other_figures_labels_or_names_is_drawn_anew():
    first = drawn(title="Bonus", labels=["Sep", "Oct"], series={"Partner bonus": [Decimal("1234.50"), 2]})
    assert "1,234.50" in first
    assert (
        drawn(title="Bonus", labels=["Sep", "Oct"], series={"Partner bonus": [Decimal("1234.50"), 2]})
        == first
    )

    changed = drawn(title="Bonus", labels=["Sep", "Oct"], series={"Partner bonus": [Decimal("1234.50"), 3]})
    assert changed != first and "3.00" in changed
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
    """The marks and the months read as the table below the chart does: 1,234.50 / 1 234,50, Oct 2026 /
    Окт 2026 — and a chart in one language is never served in the other."""
    import datetime

    from portal.charts import month_labels

    def chart(language):
        with translation.override(language):
            labels = month_labels([datetime.date(2026, 10, 1)])
            return labels, drawn(title="Bonus", labels=labels, series={"x": [Decimal("1234.50")]})

    (english_labels, english), (russian_labels, russian) = chart("en"), chart("ru")
    assert english_labels == ["Oct 2026"] and russian_labels == ["Окт 2026"]
    assert "1,234.50" in english and "Oct 2026" in english
    assert "1\xa0234,50" in russian and "1,234.50" not in russian and "Окт 2026" in russian


@pytest.mark.parametrize("count", [1, 2, 8, 9])
@pytest.mark.parametrize("stacked", [True, False])
def test_the_dark_look_is_what_pygal_draws_in_the_dark_style(count, stacked):
    """The dark look, recoloured from the light one (up to eight series) or drawn (nine, beyond the eight
    colours), is byte for byte what pygal draws in DARK, its random chart id aside; a name or a title that
    reads like a colour stays as written."""
    import base64
    import re

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

    picture = charts._draw(**kwargs)
    dark, light = [base64.b64decode(svg).decode() for svg in re.findall(r"base64,([A-Za-z0-9+/=]+)", picture)]
    assert same_id(light) == same_id(charts._svg(charts.LIGHT, **kwargs)[0])
    assert same_id(dark) == same_id(charts._svg(charts.DARK, **kwargs)[0]) != same_id(light)
    assert all("#0b57d0 #1B1F24" in svg and "Consumption #4d5661" in svg for svg in (light, dark))


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
