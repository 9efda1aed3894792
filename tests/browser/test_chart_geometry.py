"""Charts (portal/charts.py) as Chromium draws them (issue 15): with many series and long names the legend's
entries stay apart and inside the image, every bar stays inside the plot, in the light and the dark look."""

import datetime
import re
from decimal import Decimal

import pytest

from portal.charts import chart_spec, chart_svg, stacked_bars

pytestmark = pytest.mark.browser

IMAGES = re.compile(r"/charts/([0-9a-f]{64})/(light|dark)\.svg")
GEOMETRY = """() => {
  const svg = document.querySelector('svg');
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  };
  return {
    image: box(svg),
    plot: box(svg.querySelector('.plot > .background')),
    legends: [...svg.querySelectorAll('.legends .legend')].map(box),
    bars: [...svg.querySelectorAll('.series rect.rect')].map(box),
    guides: [...svg.querySelectorAll('.axis.y .guides path')].map(box),
  };
}"""
MONTHS = [datetime.date(2025, m, 1).strftime("%b %Y") for m in range(1, 13)]
DAYS = [(datetime.date(2026, 6, 1) + datetime.timedelta(days=n)).strftime("%d %b") for n in range(92)]
CASES = {
    "ten services with long names, stacked": dict(
        labels=MONTHS,
        series={
            f"Managed Service for PostgreSQL, dedicated hosts of the data warehouse {n} (RUB)": [
                Decimal(1000 * (n + 1) + 37 * m) for m in range(12)
            ]
            for n in range(10)
        },
    ),
    "Russian names, side by side": dict(
        labels=MONTHS,
        stacked=False,
        series={
            "Стоимость потребления до скидки по всем сервисам": [Decimal("1234567.89")] * 12,
            "Стоимость потребления после скидки по всем сервисам": [Decimal("1034567.89")] * 12,
            "Щедрый ЖЁЛТЫЙ ШАБЛОН ШИРОКИХ БУКВ ДЛЯ ПРОВЕРКИ": [Decimal("999999.99")] * 12,
        },
    ),
    "92 days, one series": dict(labels=DAYS, series={"Cost": [Decimal(n % 17) for n in range(92)]}),
    "nothing yet but one tiny figure": dict(
        labels=MONTHS[:4], series={"Partner bonus": [Decimal(0), Decimal(0), Decimal("0.01"), Decimal(0)]}
    ),
    "a correction below zero": dict(
        labels=MONTHS[:3],
        series={
            "Partner bonus": [Decimal(500), Decimal(-200), Decimal(300)],
            "Deal extra": [Decimal(100)] * 3,
        },
    ),
}


def inside(inner, outer, slack=0.5) -> bool:
    return (
        inner["left"] >= outer["left"] - slack
        and inner["top"] >= outer["top"] - slack
        and inner["right"] <= outer["right"] + slack
        and inner["bottom"] <= outer["bottom"] + slack
    )


def apart(a, b) -> bool:
    return (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_legends_stay_apart_and_bars_inside_the_plot(page, case):
    images = IMAGES.findall(stacked_bars(title="Consumption by service", **CASES[case]))
    assert {look for _digest, look in images} == {"light", "dark"}
    for digest, look in images:
        page.set_content(f"<body style='margin:0'>{chart_svg(digest, look, chart_spec(digest))}</body>")
        drawn = page.evaluate(GEOMETRY)
        legends, bars = drawn["legends"], drawn["bars"]
        assert len(legends) == len(CASES[case]["series"])
        for n, legend in enumerate(legends):
            assert inside(legend, drawn["image"]), f"legend {n} outside the image: {legend}"
            for m, other in enumerate(legends[n + 1 :], n + 1):
                assert apart(legend, other), f"legends {n} and {m} overlap: {legend} {other}"
            assert legend["top"] >= drawn["plot"]["bottom"], "the legend is below the plot"
        assert bars
        axis_top = min(guide["top"] for guide in drawn["guides"])  # the highest figure's line
        axis_bottom = max(guide["bottom"] for guide in drawn["guides"])
        for bar in bars:
            assert inside(bar, drawn["plot"]), f"a bar outside the plot {drawn['plot']}: {bar}"
            assert axis_top - 0.5 <= bar["top"] and bar["bottom"] <= axis_bottom + 0.5, (
                f"a bar beyond the axis: {bar}"
            )


def test_a_cut_legend_keeps_the_whole_name_as_its_tooltip():
    name = "Managed Service for PostgreSQL, dedicated hosts of the data warehouse (RUB)"
    chart = stacked_bars(
        title="Consumption by service",
        labels=MONTHS[:2],
        series={f"{name} {n}": [Decimal(1), Decimal(2)] for n in range(8)},
    )
    digest, look = IMAGES.findall(chart)[1]
    svg = chart_svg(digest, look, chart_spec(digest))
    assert f"<title>{name} 0</title>" in svg
    assert f">{name} 0</text>" not in svg
