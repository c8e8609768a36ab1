"""Bar charts drawn on the server as inline SVG: no chart library, no JavaScript.

A chart is a ``hepingorgs.figures.Chart``; the markup carries its title and a text
description (``<title>``/``<desc>``, referenced by ``aria-labelledby``), and the page
shows the same figures as a table beside it. Horizontal bars, because the labels are
Chinese names of varying length; the drawing scales to the width of a phone.
"""

import itertools
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

from hepingorgs.figures import COUNT, DECIMAL1, MONEY, RATE
from hepingorgs.xlsx import display_width

BAR_HEIGHT = 22
GAP = 8
TOP = 8
CHAR = 7.5  # pixels per display-width unit at the 13 px font
VALUE_ROOM = 110
WIDTH = 640
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
    if kind == MONEY:
        return f"{Decimal(value):,.2f}"
    return f"{int(value):,}"


def bar_chart(chart, description=""):
    """Inline SVG markup of ``chart`` (a ``Chart``), safe to put in a template."""
    number = next(_ids)
    title_id, desc_id = f"chart-{number}-title", f"chart-{number}-desc"
    labels = [str(label) for label in chart.labels]
    values = [Decimal(v or 0) for v in chart.values]
    label_room = min(220, max([display_width(label) for label in labels] + [4]) * CHAR + 12)
    bar_room = WIDTH - label_room - VALUE_ROOM
    largest = max(values + [Decimal(0)])
    height = TOP * 2 + len(labels) * (BAR_HEIGHT + GAP)
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
        y = TOP + index * (BAR_HEIGHT + GAP)
        length = float(value / largest) * bar_room if largest > 0 else 0.0
        colour = COLOURS[index % len(COLOURS)] if len(labels) <= len(COLOURS) else COLOURS[0]
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f'<text x="{label_room - 8:.0f}" y="{middle:.1f}" text-anchor="end" '
            f'dominant-baseline="middle" fill="#1f2933">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_room:.0f}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"></rect>'
        )
        parts.append(
            f'<text x="{label_room + length + 6:.1f}" y="{middle:.1f}" '
            f'dominant-baseline="middle" fill="#1f2933">{format_value(value, chart.kind)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text inside was escaped above
