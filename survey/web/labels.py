"""Chinese labels for analysis codes: the one place the console, reports, exports and CLI
take them from."""

from __future__ import annotations

METHOD_LABELS = {
    "positive_share": "认可选项占有效回答的比例",
    "respondent_mean": "每位受访者认可率的平均",
    "option_scores": "选项分值平均（百分制）",
    "overall_item": "总体满意度题认可率",
}
#: the verdict of record (the point rule: rate ≥ threshold)
VERDICT_LABELS = {"meets": "达标", "below": "未达标", "insufficient": "样本不足，不作结论"}
#: where the 95% interval stands against the threshold, beside the verdict
INTERVAL_LABELS = {
    "above": "置信区间整体在达标线以上",
    "spans": "置信区间跨越达标线",
    "under": "置信区间整体在达标线以下",
}
#: "more needed" that no bureau can act on: a rate on the line, or a target nearly reached
CLOSE_CALL = "与达标线几乎持平，增加样本也难以改变结论"
TARGET_REACHED = "在目标人数内增加样本也难以使区间离开达标线"
SCREEN_RULE_LABELS = {
    "strong": "剔除强证据答卷（推荐）",
    "none": "不剔除（全部答卷）",
    "any": "剔除任一质量标记的答卷（最严格）",
}


def interval_note(block: dict, threshold: float) -> str:
    """Where the interval stands, and how many more respondents would settle it (or why none
    realistically would), in the report's words."""
    where = INTERVAL_LABELS.get(block.get("interval_vs_threshold") or "", "")
    if block.get("interval_vs_threshold") != "spans":
        return where
    if block.get("more_needed"):
        return f"{where}，约再需 {block['more_needed']} 人可得出明确判断"
    if abs((block.get("rate") or 0) - threshold) < 0.01:
        return f"{where}，{CLOSE_CALL}"
    return f"{where}，{TARGET_REACHED}"


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"
