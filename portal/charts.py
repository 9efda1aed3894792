"""The one chart helper: server-rendered SVG (pygal), no script and no CDN.

The SVG is an image of its own address (``ChartView``, drawn by that request, not the page's): pygal styles
it with a <style> of its own, which applies inside an image, where the page's Content-Security-Policy (no
inline styles) does not reach.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

import pygal
from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django_scopes import get_scope
from pygal.style import Style

from portal.permissions import Right

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
    *,
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[Decimal]],
    stacked: bool = True,
    right: Right | None = None,
) -> SafeString:
    """An <img> of an SVG bar chart, stacked unless told; ``series`` maps a legend name to one value per
    label; ``title`` is also the image's text alternative (the figures are in the page's table).

    The page does not draw it (pygal takes 15–20 ms for a chart of 92 days): it keeps what to draw for a day
    under the digest of it — the texts and figures as the reader's language writes them, the partner whose
    page it is, the page's ``right`` — and the image's own request (``ChartView``) draws it, once per look
    (light or dark, as the reader's colour scheme asks) and keeps it: the same chart (the next page or
    another order of a table below it, another user of the partner) is drawn once, and its address, which
    changes with its figures, is kept by the browser. Only a member of that partner holding ``right`` is
    served it."""
    spec = {
        "version": CHART_VERSION,
        "language": get_language(),
        "title": str(title),
        "labels": [str(label) for label in labels],
        "series": [(str(name), [str(value) for value in values]) for name, values in series.items()],
        "stacked": bool(stacked),
        "partner": get_scope().get("partner"),
        "right": str(right) if right is not None else None,
    }
    digest = hashlib.sha256(repr(sorted(spec.items())).encode()).hexdigest()
    if not cache.touch(f"chart:{digest}", CHART_SECONDS):  # kept a day from the last page that showed it
        cache.set(f"chart:{digest}", spec, CHART_SECONDS)
    width, height = _size(len(series))
    return format_html(
        '<picture><source media="(prefers-color-scheme: dark)" srcset="{}">'
        '<img class="chart-image" src="{}" alt="{}" width="{}" height="{}">'
        "</picture>",
        reverse("chart", args=[digest, "dark"]),
        reverse("chart", args=[digest, "light"]),
        title,
        width,
        height,
    )


def chart_spec(digest: str) -> dict | None:
    """What ``stacked_bars`` kept to draw under ``digest`` (None: no such chart, or kept no longer)."""
    return cache.get(f"chart:{digest}")


def chart_svg(digest: str, look: str, spec: dict) -> str:
    """The chart ``spec`` (``chart_spec(digest)``) drawn in ``look`` ("light" or "dark"), kept once drawn.
    The dark look is the light one recoloured (the two differ in their colours alone), but for more series
    than colours, where pygal derives further colours from each look's own."""
    key = f"chart:{digest}:{look}"
    if (svg := cache.get(key)) is not None:
        return svg
    with translation.override(spec["language"]):  # the figures on the axis, as the page's table writes them
        kwargs = {
            "title": spec["title"],
            "labels": spec["labels"],
            "series": {name: [Decimal(value) for value in values] for name, values in spec["series"]},
            "stacked": spec["stacked"],
        }
        if look == "dark" and len(spec["series"]) > len(LIGHT.colors):
            svg = _svg(DARK, **kwargs)
        elif look == "dark":
            svg = _recoloured(chart_svg(digest, "light", spec))
        else:
            svg = _svg(LIGHT, **kwargs)
    cache.set(key, svg, CHART_SECONDS)
    return svg


CHART_VERSION = 5  # raise when the drawing changes: charts drawn before are not used
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


def _recoloured(svg: str) -> str:
    """The LIGHT chart ``svg`` in DARK's colours: pygal writes every colour in its <style> (none in the
    drawing, nor in the texts, which may be anyone's), each of LIGHT's swapped for DARK's."""

    def swapped(style):
        return HEX_COLOUR.sub(lambda c: DARK_OF.get(c.group().lower(), c.group()), style.group())

    return STYLE_ELEMENT.sub(swapped, svg)


def _legend(count: int) -> tuple[int, int]:
    """The legend of ``count`` series below the plot: its columns (up to four) and rows."""
    columns = max(1, min(LEGEND_COLUMNS, count))
    return columns, -(-count // columns)


def _size(count: int) -> tuple[int, int]:
    """The width and height of a chart of ``count`` series: a legend row more, the image that much taller."""
    _columns, rows = _legend(count)
    return WIDTH, HEIGHT + (rows - 1) * LEGEND_ROW


class _ImageBars:
    """pygal's bars less what only its JavaScript reads: an image runs no script, so the value, position and
    label pygal writes into every bar for its tooltips (four <desc>s a bar, each value formatted) would be
    dead weight — a quarter of the drawing's time."""

    def _tooltip_and_print_values(self, *args, **kwargs):
        return None


class Bar(_ImageBars, pygal.Bar):  # the class's name is the SVG's (pygal: class="bar-graph")
    pass


class StackedBar(_ImageBars, pygal.StackedBar):
    pass


def _unformatted(value) -> str:
    return ""  # a bar's own figure: pygal formats it for the tooltips alone (_ImageBars)


def _svg(
    style: Style, *, title: str, labels: Sequence[str], series: dict[str, Sequence[Decimal]], stacked: bool
) -> str:
    """The chart's SVG in ``style``. The legend goes below the plot in up to four columns, each name cut to
    its column (the whole name in the SVG's tooltip, <title>), as many rows as it takes: pygal reserves room
    for ``len // columns`` rows, the rest is added to the bottom margin and the height. The y axis runs from
    0 (or the lowest value below it) to the highest bar."""
    columns, rows = _legend(len(series))
    missing_rows = rows - len(series) // columns
    width, height = _size(len(series))
    column_width = (WIDTH - Y_LABELS_WIDTH) / columns - 12 - 5  # less the colour box and its gap
    chart = (StackedBar if stacked else Bar)(
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
        height=height,
        width=width,
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
        chart.add(str(name), [float(v) for v in values], formatter=_unformatted)
    # pygal inlines its tooltip config as a <script>; an image runs none, and without its JS it serves
    # nothing, so it goes. Text in the SVG itself is escaped by pygal.
    return SCRIPT.sub("", chart.render(is_unicode=True))


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


@method_decorator(csp_replace({"default-src": [NONE], "style-src": [UNSAFE_INLINE]}), name="dispatch")
class ChartView(LoginRequiredMixin, View):
    """``/charts/<digest>/<look>.svg``: a chart ``stacked_bars`` kept, as an SVG image, in the light or the
    dark look. Another partner's chart, or one no longer kept, answers 404; a role without the right of the
    page that asked for it, 403. The image is the browser's to keep: its address changes with its figures.
    Its own policy lets nothing load and its <style> apply (pygal's; the image runs no script)."""

    http_method_names = ["get"]

    def get(self, request, digest: str, look: str):
        spec = chart_spec(digest)
        if spec is None or request.partner is None or spec["partner"] != request.partner.pk:
            raise Http404
        if spec["right"] is not None and not request.membership.has(Right(spec["right"])):
            raise PermissionDenied(_("Your role does not allow this."))
        response = HttpResponse(chart_svg(digest, look, spec), content_type="image/svg+xml; charset=utf-8")
        response["Cache-Control"] = f"private, max-age={CHART_SECONDS}, immutable"
        return response
