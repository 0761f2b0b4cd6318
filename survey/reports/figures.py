"""Charts as PNG images for documents (Word cannot show the web report's SVG): bars with the
threshold line, titled, names wrapped not cut, drawn with the operating system's CJK fonts
(Debian's fonts-noto-cjk; nothing is downloaded)."""

from __future__ import annotations

import io
import textwrap
import warnings

#: CJK families looked for, in order (the first installed one draws the text)
CJK_FONTS = [
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "DejaVu Sans",
]


def bar_png(
    labels: list[str],
    values: list[float | None],
    *,
    title: str,
    threshold: float,
    width_cm: float = 15.0,
) -> bytes:
    """Horizontal bars of rates (0–1), one per label, with the threshold drawn and named above
    the bars; a label without a rate (too few respondents) says so instead of an empty bar."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    names = ["\n".join(textwrap.wrap(label, 12)) or "—" for label in labels]
    height = max(2.2, 0.45 * len(labels) + 1.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a machine without CJK fonts draws boxes, not errors
        plt.rcParams["font.sans-serif"] = CJK_FONTS
        plt.rcParams["axes.unicode_minus"] = False
        fig, ax = plt.subplots(figsize=(width_cm / 2.54, height), dpi=150)
        positions = list(range(len(labels)))[::-1]
        for y, value in zip(positions, values, strict=True):
            if value is None:
                ax.text(0.01, y, "人数过少，不显示", va="center", fontsize=8, color="#475467")
                continue
            below = value < threshold
            ax.barh(y, value, color="#b42318" if below else "#0b5cad", height=0.6)
            ax.text(min(value, 0.93) + 0.01, y, f"{value * 100:.1f}%", va="center", fontsize=8)
        ax.axvline(threshold, color="#b54708", linestyle="--", linewidth=1)
        ax.text(
            threshold,
            len(labels) - 0.35,
            f"达标线 {threshold:.0%}",
            ha="center",
            va="bottom",
            fontsize=8,
            color="#b54708",
        )
        ax.set_yticks(positions, names, fontsize=8)
        ax.set_xlim(0, 1.05)
        ax.set_ylim(-0.6, len(labels) + 0.2)
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_title(title, fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        plt.close(fig)
    return out.getvalue()
