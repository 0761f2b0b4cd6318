"""Chinese labels for analysis codes."""

from __future__ import annotations

METHOD_LABELS = {
    "positive_share": "认可选项占有效回答的比例",
    "respondent_mean": "每位受访者认可率的平均",
    "option_scores": "选项分值平均（百分制）",
    "overall_item": "总体满意度题认可率",
}
VERDICT_LABELS = {"meets": "达标", "below": "未达标", "inconclusive": "尚难定论"}


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"
