"""The one chart helper: server-rendered SVG (pygal), no script and no CDN.

The SVG is drawn as an image (a data: address): pygal styles it with a <style> of its own, which applies
inside an image, where the page's Content-Security-Policy (no inline styles) does not reach.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import math
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
FONT = "system-ui, DejaVu Sans, sans-serif"
# two looks of one chart, the page's colour scheme choosing (a <picture>'s dark source): transparent, on the
# chart's card (static/css/portal.css .chart img), its texts and bars in the page's light or dark colours
LIGHT = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#4d5661",
    font_family=FONT,
    colors=("#0b57d0", "#f2a900", "#136c2e", "#a3161a", "#6b3fa0", "#00838f", "#8a5300", "#4d5661"),
)
DARK = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#e6e9ed",
    foreground_strong="#e6e9ed",
    foreground_subtle="#a9b3be",
    font_family=FONT,
    colors=("#8ab4f8", "#f2a900", "#6dd58c", "#ff8a80", "#c58af9", "#4dd0e1", "#f0b45a", "#a9b3be"),
)
WIDTH, HEIGHT = 900, 360
LEGEND_COLUMNS = 4  # at most; fewer series, fewer columns
LEGEND_ROW = int(1.5 * max(LIGHT.legend_font_size, 12))  # a legend row's height: pygal's 1.5 × (text or box)
# the widest a letter is drawn (capitals, Cyrillic) as a share of the font size: a name cut to fit its column
# by this measure never reaches the next column (pygal's own guess, 0.6, lets wide names overlap)
LETTER_WIDTH = 0.72
Y_LABELS_WIDTH = 110  # the y axis' figures ("1,234,567.00") and the margins left and right of the plot


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


CHART_VERSION = 4  # raise when the drawing changes: charts drawn before are not used
CHART_SECONDS = 24 * 3600


def figure(value: float) -> str:
    """A bar's figure and an axis mark as the tables show amounts: 1,234.50 (1 234,50 in Russian)."""
    return number_format(value, 2, force_grouping=True)


def month_labels(months: Iterable[datetime.date]) -> list[str]:
    """The labels of a chart by month in the reader's language: Nov 2026 (Ноя 2026)."""
    return [date_format(month, "M Y") for month in months]


def day_labels(days: Iterable[datetime.date]) -> list[str]:
    """The labels of a chart by day in the reader's language: 25 Nov (25 Ноя) — ``date_format(day, "j M")``,
    the month's name formatted once a month (a formatting takes 50 µs: 4.6 ms for 92 days, every request)."""
    months: dict[tuple[int, int], str] = {}
    labels = []
    for day in days:
        if (month := (day.year, day.month)) not in months:
            months[month] = date_format(day, "M")
        labels.append(f"{day.day} {months[month]}")
    return labels


# the two looks differ in their colours alone: LIGHT's colour → DARK's, one for one
DARK_OF = {
    light.lower(): dark.lower()
    for light, dark in zip(
        (LIGHT.foreground, LIGHT.foreground_strong, LIGHT.foreground_subtle, *LIGHT.colors),
        (DARK.foreground, DARK.foreground_strong, DARK.foreground_subtle, *DARK.colors),
        strict=True,
    )
}
STYLE_ELEMENT = re.compile(r"<style\b.*?</style>", re.S | re.I)
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b")


def _draw(
    *, title: str, labels: Sequence[str], series: dict[str, Sequence[Decimal]], stacked: bool
) -> SafeString:
    light, width, height = _svg(LIGHT, title=title, labels=labels, series=series, stacked=stacked)
    if len(series) <= len(LIGHT.colors):  # pygal takes 20–30 ms to draw one: the dark look is recoloured
        dark = _recoloured(light)
    else:  # more series than colours: pygal derives further colours from each look's own
        dark, _, _ = _svg(DARK, title=title, labels=labels, series=series, stacked=stacked)
    return format_html(
        '<picture><source media="(prefers-color-scheme: dark)" srcset="data:image/svg+xml;base64,{}">'
        '<img class="chart-image" src="data:image/svg+xml;base64,{}" alt="{}" width="{}" height="{}">'
        "</picture>",
        base64.b64encode(dark.encode()).decode("ascii"),
        base64.b64encode(light.encode()).decode("ascii"),
        title,
        width,
        height,
    )


def _recoloured(svg: str) -> str:
    """The LIGHT chart ``svg`` in DARK's colours: pygal writes every colour in its <style> (none in the
    drawing, nor in the texts, which may be anyone's), each of LIGHT's swapped for DARK's."""

    def swapped(style):
        return HEX_COLOUR.sub(lambda c: DARK_OF.get(c.group().lower(), c.group()), style.group())

    return STYLE_ELEMENT.sub(swapped, svg)


def _svg(
    style: Style, *, title: str, labels: Sequence[str], series: dict[str, Sequence[Decimal]], stacked: bool
) -> tuple[str, int, int]:
    """The chart's SVG in ``style``, and its size. The legend goes below the plot in up to four columns,
    each name cut to its column (the whole name in the SVG's tooltip, <title>), as many rows as it takes:
    pygal reserves room for ``len // columns`` rows, the rest is added to the bottom margin and the height.
    The y axis runs from 0 (or the lowest value below it) to the highest bar."""
    columns = max(1, min(LEGEND_COLUMNS, len(series)))
    rows = -(-len(series) // columns)
    missing_rows = rows - len(series) // columns
    column_width = (WIDTH - Y_LABELS_WIDTH) / columns - 12 - 5  # less the colour box and its gap
    chart = (pygal.StackedBar if stacked else pygal.Bar)(
        style=style,
        js=[],
        disable_xml_declaration=True,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=columns,
        truncate_legend=max(4, int(column_width / (LETTER_WIDTH * style.legend_font_size))),
        margin_bottom=20 + missing_rows * LEGEND_ROW,
        x_label_rotation=0 if len(labels) <= 6 else 30,
        show_minor_x_labels=len(labels) <= 31,
        x_labels_major_every=max(1, len(labels) // 12),
        truncate_label=-1,
        height=HEIGHT + (rows - 1) * LEGEND_ROW,
        width=WIDTH,
        print_values=False,
        show_y_guides=True,
        include_x_axis=True,
        value_formatter=figure,
    )
    # the y axis' figures run from 0 (or below it, for a negative bar) to a round figure at or above the
    # highest bar: pygal's own scale may stop a step short of it, leaving the tallest bars above the axis
    chart.y_labels = _y_labels(series, stacked=stacked)
    chart.range = (chart.y_labels[0], chart.y_labels[-1])
    chart.title = str(title)  # texts in the reader's language (pygal writes its config as JSON)
    chart.x_labels = [str(label) for label in labels]
    for name, values in series.items():
        # floats here are drawing coordinates only; the figures users read come from the Decimal table
        chart.add(str(name), [float(v) for v in values])
    # pygal inlines its tooltip config as a <script>; an image runs none, and without its JS it serves
    # nothing, so it goes. Text in the SVG itself is escaped by pygal.
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    return svg, chart.config.width, chart.config.height


def _y_labels(series: dict[str, Sequence[Decimal]], *, stacked: bool) -> list[float]:
    """Round figures, about five steps (1, 2, 2.5 or 5 times a power of ten), from the lowest bar or 0 to
    the highest bar or above: stacked, the sums of each label's positive and of its negative values."""
    columns = list(zip(*series.values(), strict=True)) or [(0,)]
    if stacked:
        highs = [sum(v for v in column if v > 0) for column in columns]
        lows = [sum(v for v in column if v < 0) for column in columns]
    else:
        highs = lows = [v for column in columns for v in column]
    top, bottom = max(0.0, float(max(highs))), min(0.0, float(min(lows)))
    raw = (top - bottom) / 5 or 1.0
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first, last = math.floor(bottom / step), math.ceil(top / step)
    return [round(n * step, 10) for n in range(first, max(last, first + 1) + 1)]
