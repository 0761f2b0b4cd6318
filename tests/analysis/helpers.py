"""A tiny questionnaire and hand-made responses for analysis tests."""

from __future__ import annotations

import pandas as pd

from questionnaires.loader import parse_questionnaire

SCALE = [
    {"code": "1", "label": "满意", "recognised": True, "score": 100},
    {"code": "2", "label": "比较满意", "recognised": True, "score": 80},
    {"code": "3", "label": "不满意", "score": 0},
    {"code": "9", "label": "不了解", "dont_know": True},
]


def tiny(code: str = "t", n_items: int = 3):
    """n_items scored items (the last is the overall item) on SCALE, plus a comment."""
    items = [{"code": f"Q{i + 1}", "scale": "s", "text": f"第{i + 1}题"} for i in range(n_items)]
    items[-1]["overall"] = True
    items.append({"code": "C1", "type": "text", "text": "意见"})
    raw = {"code": code, "version": 1, "title": "测试", "scales": {"s": SCALE}, "items": items}
    return parse_questionnaire(raw, "test")


#: option code -> vector digit on SCALE
DIGIT = {"1": "0", "2": "1", "3": "2", "9": "3", "": "."}


def vec(codes: str) -> str:
    """'12 9' style: one option code per item, space = blank."""
    return "".join(DIGIT[c.strip()] for c in codes)


def frame(rows, start="2026-11-20 08:00") -> pd.DataFrame:
    """rows: (school, group, answers like '129', duration, network[, minutes after start])."""
    out = []
    base = pd.Timestamp(start)
    for i, row in enumerate(rows):
        school, group, answers, duration, network, *rest = row
        minutes = rest[0] if rest else i * 30
        out.append(
            {
                "response_id": i + 1,
                "school": school,
                "group": group,
                "questionnaire": "t",
                "version": 1,
                "vector": vec(answers),
                "duration": duration,
                "network": network,
                "submitted_at": base + pd.Timedelta(minutes=minutes),
                "source": "web",
            }
        )
    return pd.DataFrame(out)


def schools(*specs) -> pd.DataFrame:
    """specs: (code, enrolment[, stage, location])."""
    rows = []
    for spec in specs:
        code, enrolment, *rest = spec
        stage, location = (rest + ["小学", "城区"])[:2] if rest else ("小学", "城区")
        rows.append(
            {
                "school": code,
                "name": code,
                "stage": stage,
                "location": location,
                "enrolment": enrolment,
            }
        )
    return pd.DataFrame(rows)
