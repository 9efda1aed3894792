"""Charts are images of SVG (portal/charts.py): what a test reads of a page is the page with each chart's
SVG put back in place of its image."""

import base64
import re

CHART_IMAGE = re.compile(r'<img class="chart-image" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"[^>]*>')


def with_charts(html: str) -> str:
    """``html`` with each chart image replaced by the SVG it draws."""
    return CHART_IMAGE.sub(lambda m: base64.b64decode(m.group(1)).decode(), html)
