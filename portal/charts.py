"""The one chart helper: server-rendered SVG (pygal), no script and no CDN.

The SVG is drawn as an image (a data: address): pygal styles it with a <style> of its own, which applies
inside an image, where the page's Content-Security-Policy (no inline styles) does not reach.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

import pygal
from django.core.cache import cache
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from pygal.style import Style

SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#4d5661",
    font_family="system-ui, DejaVu Sans, sans-serif",
    colors=("#0b57d0", "#f2a900", "#136c2e", "#a3161a", "#6b3fa0", "#00838f", "#8a5300", "#4d5661"),
)


def stacked_bars(
    *, title: str, labels: Sequence[str], series: dict[str, Sequence[Decimal]], stacked: bool = True
) -> SafeString:
    """An <img> of an SVG bar chart, stacked unless told; ``series`` maps a legend name to one value per
    label; ``title`` is also the image's text alternative (the figures are in the page's table).

    The image is a function of its arguments alone: kept in the cache under their digest for a day, so the
    same chart (the next page or another order of a table below it, another user of the partner) is drawn
    once — pygal takes 10–50 ms for a chart of 92 days."""
    # every text and figure as the reader's language shows it: a chart in another language is another image
    drawn = repr(
        (
            CHART_VERSION,
            get_language(),
            str(title),
            [str(label) for label in labels],
            [(str(n), [str(v) for v in vs]) for n, vs in series.items()],
        )
    )
    key = f"chart:{int(stacked)}:{hashlib.sha256(drawn.encode()).hexdigest()}"
    if (image := cache.get(key)) is not None:
        return SafeString(image)
    image = _draw(title=title, labels=labels, series=series, stacked=stacked)
    cache.set(key, str(image), CHART_SECONDS)
    return image


CHART_VERSION = 2  # raise when the drawing changes: charts drawn before are not used
CHART_SECONDS = 24 * 3600


def figure(value: float) -> str:
    """A bar's figure and an axis mark as the tables show amounts: 1,234.50 (1 234,50 in Russian)."""
    return number_format(value, 2, force_grouping=True)


def month_labels(months: Iterable[datetime.date]) -> list[str]:
    """The labels of a chart by month in the reader's language: Nov 2026 (Ноя 2026)."""
    return [date_format(month, "M Y") for month in months]


def day_labels(days: Iterable[datetime.date]) -> list[str]:
    """The labels of a chart by day in the reader's language: 25 Nov (25 Ноя)."""
    return [date_format(day, "j M") for day in days]


def _draw(
    *, title: str, labels: Sequence[str], series: dict[str, Sequence[Decimal]], stacked: bool
) -> SafeString:
    chart = (pygal.StackedBar if stacked else pygal.Bar)(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=4,
        x_label_rotation=0 if len(labels) <= 6 else 30,
        show_minor_x_labels=len(labels) <= 31,
        x_labels_major_every=max(1, len(labels) // 12),
        height=360,
        width=900,
        print_values=False,
        truncate_legend=-1,
        show_y_guides=True,
        value_formatter=figure,
    )
    chart.title = str(title)  # texts in the reader's language (pygal writes its config as JSON)
    chart.x_labels = [str(label) for label in labels]
    for name, values in series.items():
        # floats here are drawing coordinates only; the figures users read come from the Decimal table
        chart.add(str(name), [float(v) for v in values])
    # pygal inlines its tooltip config as a <script>; an image runs none, and without its JS it serves
    # nothing, so it goes. Text in the SVG itself is escaped by pygal.
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    return format_html(
        '<img class="chart-image" src="data:image/svg+xml;base64,{}" alt="{}" width="{}" height="{}">',
        base64.b64encode(svg.encode()).decode("ascii"),
        title,
        chart.config.width,
        chart.config.height,
    )
