"""Server-rendered SVG charts: no JavaScript, no build step. Each chart has a <title> and a
<desc>, and the page puts the same numbers in a table beside it for screen readers."""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

COLOURS = ("#1f5f8b", "#e08a1e", "#3a8d4f")  # distinguishable for common colour blindness
WIDTH = 560


def _frame(title: str, height: int, body: str, legend: Sequence[str] = ()) -> Markup:
    items = "".join(
        f'<rect x="{10 + i * 150}" y="{height - 14}" width="10" height="10" fill="{COLOURS[i]}"/>'
        f'<text x="{24 + i * 150}" y="{height - 5}">{escape(name)}</text>' for i, name in enumerate(legend))
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(title)}</title><desc>Die Zahlen stehen in der Tabelle daneben.</desc>{body}{items}</svg>')


def bars(title: str, labels: Sequence[str], values: Sequence[int | float | None]) -> Markup:
    """Horizontal bars, one per label (long German labels stay readable)."""
    row, left = 22, 190
    top = max((v or 0) for v in values) if values else 0
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 6 + i * row
        length = 0 if not top else (WIDTH - left - 70) * (value or 0) / top
        body.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(str(label))[:30]}</text>'
                    f'<rect x="{left}" y="{y + 2}" width="{length:.1f}" height="{row - 6}" fill="{COLOURS[0]}"/>'
                    f'<text x="{left + length + 4:.1f}" y="{y + 14}">{"–" if value is None else value}</text>')
    return _frame(title, 12 + len(labels) * row, "".join(body))


def lines(title: str, labels: Sequence[str], series: dict[str, Sequence[int]]) -> Markup:
    """Lines over time, one per series, with the first and last label on the axis."""
    height, left, bottom, plot_top = 240, 48, 200, 10
    top = max((max(values) for values in series.values() if values), default=0) or 1
    step = (WIDTH - left - 10) / max(len(labels) - 1, 1)
    body = [f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" stroke="#888"/>',
            f'<text x="{left - 4}" y="{plot_top + 8}" text-anchor="end">{top}</text>',
            f'<text x="{left - 4}" y="{bottom}" text-anchor="end">0</text>']
    if labels:
        body.append(f'<text x="{left}" y="{bottom + 16}">{escape(labels[0])}</text>'
                    f'<text x="{WIDTH - 10}" y="{bottom + 16}" text-anchor="end">{escape(labels[-1])}</text>')
    for colour, values in zip(COLOURS, series.values(), strict=False):  # up to three series
        points = " ".join(f"{left + i * step:.1f},{bottom - (bottom - plot_top) * v / top:.1f}"
                          for i, v in enumerate(values))
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
    return _frame(title, height, "".join(body), list(series))
