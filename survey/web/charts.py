"""Charts drawn by the app as inline SVG: no third-party scripts, prints cleanly."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above value (a round top for an axis)."""
    if value <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * scale >= value:
            return float(step * scale)
    return float(10 * scale)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    max_value: float | None = None,
    line: float | None = None,
    line_label: str = "",
    percent: bool = False,
    width: int = 640,
    height: int = 200,
    label_every: int = 1,
    axis_labels: Sequence[str] | None = None,
) -> Markup:
    """Vertical bars with an optional horizontal reference line (e.g. the 85% threshold).

    A None value draws no bar (e.g. a small cell whose rate is withheld). `axis_labels`:
    shorter words under the axis than the bars' own labels (shown on hover).
    """
    pad_l, pad_r, pad_t, pad_b = 40, 8, 16, 36
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    numbers = [v for v in values if v is not None]
    top = max_value if max_value is not None else nice_ceiling(max([*numbers, line or 0, 1]))
    n = max(len(values), 1)
    slot = inner_w / n
    bar_w = max(1.0, slot * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad_l}" y1="{pad_t + inner_h}" x2="{width - pad_r}" '
        f'y2="{pad_t + inner_h}" class="axis"/>',
    ]
    for frac in (0, 0.5, 1):
        y = pad_t + inner_h * (1 - frac)
        tick = top * frac
        text = f"{tick:.0%}" if percent else f"{tick:g}"
        parts.append(
            f'<text x="{pad_l - 4}" y="{y + 4:.1f}" class="tick" text-anchor="end">{text}</text>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = pad_l + i * slot + (slot - bar_w) / 2
        if value is not None and top > 0:
            h = inner_h * min(value, top) / top
            below = line is not None and value < line
            shown = f"{value:.1%}" if percent else f"{value:g}"
            parts.append(
                f'<rect x="{x:.1f}" y="{pad_t + inner_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" class="bar{" below" if below else ""}">'
                f"<title>{escape(label)}: {shown}</title></rect>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - pad_b + 14}" class="lbl" '
                f'text-anchor="middle">{escape(axis_labels[i] if axis_labels else label)}</text>'
            )
    if line is not None and top > 0:
        y = pad_t + inner_h * (1 - line / top)
        parts.append(
            f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" class="ref"/>'
        )
        parts.append(
            f'<text x="{width - pad_r}" y="{y - 4:.1f}" class="ref-lbl" '
            f'text-anchor="end">{escape(line_label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
