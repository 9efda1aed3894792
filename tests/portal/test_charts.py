"""Charts (portal/charts.py) are drawn once per distinct figures and reused: never a stale one."""

from decimal import Decimal

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
