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


def wrap(text: str, width: int) -> list[str]:
    """A name in lines of at most `width` characters (Chinese has no spaces to break at), at
    most three lines, the last one ending in … if the name is longer still."""
    width = max(width, 2)
    lines = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    if len(lines) > 3:
        lines = [*lines[:2], lines[2][: width - 1] + "…"]
    return lines


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
    """Vertical bars under their title, with an optional horizontal reference line (e.g. the
    85% threshold) named in the right margin, clear of the bars.

    Names are wrapped under their bars, never cut. A None value draws no bar and says 人数过少
    in its place (a small cell whose rate is withheld). `axis_labels`: shorter words under the
    axis than the bars' own labels (shown on hover).
    """
    n = max(len(values), 1)
    pad_l, pad_r, pad_t = 40, 64 if line is not None else 8, 28
    slot = (width - pad_l - pad_r) / n
    per_line = int(slot * label_every // 12)  # characters of 12 px under a named bar
    names = [axis_labels[i] if axis_labels else label for i, label in enumerate(labels)]
    wrapped = [wrap(name, per_line) for name in names]
    pad_b = 10 + 14 * max((len(w) for w in wrapped), default=1)
    height += pad_b - 36  # the plot keeps its height whatever the names take
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    numbers = [v for v in values if v is not None]
    top = max_value if max_value is not None else nice_ceiling(max([*numbers, line or 0, 1]))
    bar_w = max(1.0, slot * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{width / 2:.1f}" y="16" class="chart-title" text-anchor="middle">'
        f"{escape(title)}</text>",
        f'<line x1="{pad_l}" y1="{pad_t + inner_h}" x2="{pad_l + inner_w}" '
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
        middle = x + bar_w / 2
        if value is not None and top > 0:
            h = inner_h * min(value, top) / top
            below = line is not None and value < line
            shown = f"{value:.1%}" if percent else f"{value:g}"
            parts.append(
                f'<rect x="{x:.1f}" y="{pad_t + inner_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" class="bar{" below" if below else ""}">'
                f"<title>{escape(label)}: {shown}</title></rect>"
            )
        elif value is None:
            parts.append(
                f'<text x="{middle:.1f}" y="{pad_t + inner_h - 6:.1f}" class="small-cell" '
                f'text-anchor="middle">人数过少<title>{escape(label)}: 人数过少，不显示</title>'
                "</text>"
            )
        if i % label_every == 0:
            lines = "".join(
                f'<tspan x="{middle:.1f}" dy="{0 if k == 0 else 14}">{escape(part)}</tspan>'
                for k, part in enumerate(wrapped[i])
            )
            parts.append(
                f'<text y="{pad_t + inner_h + 16}" class="lbl" text-anchor="middle">{lines}</text>'
            )
    if line is not None and top > 0:
        y = pad_t + inner_h * (1 - line / top)
        parts.append(
            f'<line x1="{pad_l}" y1="{y:.1f}" x2="{pad_l + inner_w}" y2="{y:.1f}" class="ref"/>'
        )
        parts.append(
            f'<text x="{pad_l + inner_w + 4}" y="{y + 4:.1f}" class="ref-lbl" '
            f'text-anchor="start">{escape(line_label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
