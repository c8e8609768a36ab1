"""Bar charts drawn on the server as inline SVG: no chart library, no JavaScript.

A chart is a ``hepingorgs.figures.Chart``; the markup carries its title and a text
description (``<title>``/``<desc>``, referenced by ``aria-labelledby``), and the page
shows the same figures as a table beside it. Horizontal bars, because the labels are
Chinese names of varying length; the drawing scales to the width of a phone.
"""

import itertools
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

from hepingorgs.figures import COUNT, DECIMAL1, MONEY, RATE

# A label line above each bar, so long Chinese names need no truncation; the drawing is
# a phone's width in user units, so its 13-unit text reads at about 13 px on a phone.
WIDTH = 360
LABEL_LINE = 18
BAR_HEIGHT = 14
GAP = 10
TOP = 4
VALUE_ROOM = 96
COLOURS = ("#1f5f99", "#b3261e", "#2f7d4f", "#8a5a00", "#5b3f99", "#00707a")
_ids = itertools.count(1)


def format_value(value, kind=COUNT):
    """A figure as the public pages show it (Chinese conventions need no words here)."""
    if value is None:
        return "—"
    if kind == RATE:
        return f"{Decimal(value) * 100:.1f}%"
    if kind == DECIMAL1:
        return f"{Decimal(value):.1f}"
    if kind == MONEY:  # whole yuan: the cents of a district's totals tell nobody anything
        return f"{Decimal(value).quantize(Decimal(1), ROUND_HALF_UP):,}"
    return f"{int(value):,}"


def bar_chart(chart, description=""):
    """Inline SVG markup of ``chart`` (a ``Chart``), safe to put in a template."""
    number = next(_ids)
    title_id, desc_id = f"chart-{number}-title", f"chart-{number}-desc"
    labels = [str(label) for label in chart.labels]
    values = [Decimal(v or 0) for v in chart.values]
    bar_room = WIDTH - VALUE_ROOM
    largest = max(values + [Decimal(0)])
    step = LABEL_LINE + BAR_HEIGHT + GAP
    height = TOP * 2 + len(labels) * step
    if not description:
        description = "；".join(
            f"{label}：{format_value(value, chart.kind)}"
            for label, value in zip(labels, values, strict=True)
        )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{title_id} {desc_id}" font-size="13">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + index * step
        bar_y = y + LABEL_LINE
        length = float(value / largest) * bar_room if largest > 0 else 0.0
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<text x="0" y="{y + 13}" fill="#1f2933">{escape(label)}</text>')
        parts.append(
            f'<rect x="0" y="{bar_y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"></rect>'
        )
        parts.append(
            f'<text x="{length + 6:.1f}" y="{bar_y + 12}" fill="#1f2933">'
            f"{format_value(value, chart.kind)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text inside was escaped above
