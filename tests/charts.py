"""Charts are SVG images of their own address (portal/charts.py): what a test reads of a page is the page
with each chart's light SVG, as its address serves it, put in place of its image."""

import re

from portal.charts import chart_spec, chart_svg

CHART_IMAGE = re.compile(r'<img class="chart-image" src="/charts/([0-9a-f]{64})/light\.svg"[^>]*>')


def with_charts(html: str) -> str:
    """``html`` with each chart image replaced by the SVG it draws."""
    return CHART_IMAGE.sub(lambda m: chart_svg(m.group(1), "light", chart_spec(m.group(1))), html)
