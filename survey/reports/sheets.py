"""The summary sheets of the dossier workbook (everything but the raw data)."""

from __future__ import annotations

from analysis.quality import REASONS
from questionnaires import GROUPS

from ..web.labels import (
    INTERVAL_LABELS,
    METHOD_LABELS,
    SCREEN_RULE_LABELS,
    VERDICT_LABELS,
    interval_note,
    pct,
)


def _sheet(book, name, headers, rows, widths=None):
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    percent = book.add_format({"num_format": "0.0%"})
    sheet.write_row(0, 0, headers, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, float) and headers[c].endswith(("率", "下限", "上限")):
                sheet.write_number(r, c, value, percent)
            elif value is None:
                sheet.write_blank(r, c, None)
            else:
                sheet.write(r, c, value)
    for c, width in enumerate(widths or []):
        sheet.set_column(c, c, width)
    return sheet


def _county_sheet(book, result: dict) -> None:
    """A campaign over several counties: the counties ranked, overall and per group."""
    groups = list(result["groups"])
    labels = [result["groups"][g]["label"] for g in groups]
    headers = ["排名", "区县", "人数", "认可率", "下限", "上限", "结论", "区间与达标线"]
    for label in labels:
        headers += [f"{label}人数", f"{label}认可率", f"{label}结论"]
    rows = []
    for c in result["counties"]:
        row = [
            c["rank"],
            c["county"],
            c["n"],
            c["rate"],
            c["ci_low"],
            c["ci_high"],
            VERDICT_LABELS.get(c["verdict"], "无有效答卷"),
            INTERVAL_LABELS.get(c["interval_vs_threshold"] or "", ""),
        ]
        for g in groups:
            d = c["groups"].get(g) or {}
            row += [d.get("n"), d.get("rate"), VERDICT_LABELS.get(d.get("verdict"), "")]
        rows.append(row)
    _sheet(book, "区县", headers, rows, [6, 14])


def write_summary_sheets(book, result: dict, comments) -> None:
    t = result["threshold"]
    overall = result["overall"]
    summary = [
        ["调查", result["campaign"]["name"]],
        ["县区", result["campaign"]["county"]],
        ["计算方法", METHOD_LABELS.get(result["method"], result["method"])],
        ["达标线", f"{t:.0%}"],
        ["数据质量筛查规则", SCREEN_RULE_LABELS[result["screen_rule"]]],
        ["答卷总数", result["responses"]],
        ["纳入分析", result["analysed"]],
        ["得出结论所需最少人数", result["min_verdict_n"]],
        [
            "全县认可度" + ("（按群体加权）" if overall.get("weighted") else ""),
            pct(overall["rate"]),
        ],
        ["95%置信区间", f"{pct(overall['ci_low'])} – {pct(overall['ci_high'])}"],
        ["结论", VERDICT_LABELS.get(overall["verdict"], "无有效答卷")],
        ["置信区间与达标线", interval_note(overall, t)],
    ]
    summary += [
        [f"规则“{SCREEN_RULE_LABELS[rule]}”剔除", f"{r['removed']} 份"]
        for rule, r in result["quality"]["rules"].items()
    ]
    _sheet(book, "概要", ["项目", "内容"], summary, [18, 60])
    if result.get("counties"):
        _county_sheet(book, result)
    group_rows = []
    for d in result["groups"].values():
        group_rows.append(
            [
                d["label"],
                d["responses"],
                d["n"],
                d["rate"],
                d["ci_low"],
                d["ci_high"],
                VERDICT_LABELS.get(d["verdict"], "无有效答卷"),
                interval_note(d, t),
                d["p_value"],
                d["flagged"],
                d["excluded"],
                d["all_responses"]["rate"],
            ]
        )
    _sheet(
        book,
        "群体",
        [
            "群体",
            "答卷数",
            "有效人数",
            "认可率",
            "下限",
            "上限",
            "结论",
            "置信区间与达标线",
            "p值（单侧）",
            "质量标记",
            "筛查剔除",
            "全部答卷认可率",
        ],
        group_rows,
        [18, 10, 10, 10, 10, 10, 18, 44, 12, 10, 10, 14],
    )
    school_rows = [
        [
            r["school_code"],
            r["school_name"],
            GROUPS.get(r["group"], r["group"]),
            r["n"],
            r["rate"],
            r["ci_low"],
            r["ci_high"],
            VERDICT_LABELS.get(r["verdict"], ""),
            INTERVAL_LABELS.get(r["interval_vs_threshold"] or "", ""),
            "人数过少，不显示" if r["suppressed"] else "",
        ]
        for r in result["schools"]
    ]
    _sheet(
        book,
        "学校",
        [
            "学校代码",
            "学校名称",
            "群体",
            "人数",
            "认可率",
            "下限",
            "上限",
            "结论",
            "置信区间",
            "备注",
        ],
        school_rows,
        [12, 24, 16, 8, 10, 10, 10, 18, 24, 16],
    )
    if result.get("classes"):
        class_rows = [
            [
                r["school_code"],
                r["school_name"],
                r["class_label"],
                GROUPS.get(r["group"], r["group"]),
                r["n"],
                r["rate"],
                r["ci_low"],
                r["ci_high"],
                "人数过少，不显示" if r["suppressed"] else "",
            ]
            for r in result["classes"]
        ]
        headers = ["学校代码", "学校名称", "班级", "群体", "人数", "认可率", "下限", "上限", "备注"]
        _sheet(book, "班级", headers, class_rows, [12, 24, 12, 16, 8, 10, 10, 10, 16])
    item_rows = [
        [
            GROUPS.get(r["group"], r["group"]),
            r["item"],
            r["text"],
            r["n"],
            r["rate"],
            r["ci_low"],
            r["ci_high"],
            "低于达标线" if r["below"] else "",
        ]
        for r in sorted(result["items"], key=lambda r: (r["group"], r["rate"] or 2))
    ]
    _sheet(
        book,
        "题目",
        ["群体", "题号", "题目", "有效回答", "认可率", "下限", "上限", "短板"],
        item_rows,
        [16, 8, 60, 10, 10, 10, 10, 12],
    )
    q = result["quality"]
    quality_rows = [
        [r["school_code"], r["school_name"], *(r[c] for c in REASONS), r["flagged"]]
        for r in q["by_school"]
    ]
    evidence = {"strong": "强证据", "weak": "弱证据"}
    _sheet(
        book,
        "数据质量",
        [
            "学校代码",
            "学校名称",
            *(f"{q['labels'][c]}（{evidence[q['evidence'][c]]}）" for c in REASONS),
            "标记合计",
        ],
        quality_rows,
        [12, 24, *[14] * len(REASONS), 10],
    )
    comment_rows = [
        [r.school, r.school_name, GROUPS.get(r.group, r.group), r.text]
        for r in comments.itertuples()
    ]
    _sheet(
        book,
        "意见建议",
        ["学校代码", "学校名称", "群体", "意见建议"],
        comment_rows,
        [12, 24, 16, 80],
    )
    _chart_sheet(book, result)


def _chart_sheet(book, result: dict) -> None:
    """图表: native Excel charts (they stay editable in Excel and WPS): each group's rate, then
    each group's schools, with the threshold drawn as a line and named in the legend. A cell
    under the small-cell rule keeps its bar empty and says 人数过少 in its name; names are
    written whole (Excel wraps them). The figures come from the 图表数据 sheet."""
    t = result["threshold"]
    line_name = f"达标线 {t:.0%}"
    charts = book.add_worksheet("图表")
    data = book.add_worksheet("图表数据")
    charts.write_string(0, 0, "各图中的虚线为达标线；人数少于最少人数的单位不显示认可率。")
    percent = book.add_format({"num_format": "0.0%"})
    blocks = [("各群体认可率", [(d["label"], d["rate"]) for d in result["groups"].values()])]
    for code, label in ((g, d["label"]) for g, d in result["groups"].items()):
        rows = [
            (r["school_name"] or r["school_code"], r["rate"])
            for r in result["schools"]
            if r["group"] == code
        ]
        if rows:
            blocks.append((f"{label}：各校认可率", rows))
    top, place = 0, 2
    for title, rows in blocks:
        data.write_row(top, 0, [title, "认可率", line_name])
        for i, (name, rate) in enumerate(rows, start=1):
            data.write_string(top + i, 0, name if rate is not None else f"{name}（人数过少）")
            if rate is not None:
                data.write_number(top + i, 1, rate, percent)
            data.write_number(top + i, 2, t, percent)
        first, last = top + 1, top + len(rows)
        bars = book.add_chart({"type": "column"})
        bars.add_series(
            {
                "name": "认可率",
                "categories": ["图表数据", first, 0, last, 0],
                "values": ["图表数据", first, 1, last, 1],
                "data_labels": {"value": True, "num_format": "0%"},
                "fill": {"color": "#4472C4"},
            }
        )
        line = book.add_chart({"type": "line"})
        line.add_series(
            {
                "name": line_name,
                "categories": ["图表数据", first, 0, last, 0],
                "values": ["图表数据", first, 2, last, 2],
                "line": {"color": "#C00000", "dash_type": "dash", "width": 1.5},
                "marker": {"type": "none"},
            }
        )
        bars.combine(line)
        bars.set_title({"name": title, "name_font": {"size": 12}})
        bars.set_y_axis(
            {"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}}
        )
        bars.set_legend({"position": "bottom"})
        bars.set_size({"width": max(640, 48 * len(rows)), "height": 360})
        charts.insert_chart(place, 0, bars)
        place += 20
        top = last + 2
    data.set_column(0, 0, 30)


def write_codebook(book, rows: list[list[str]]) -> None:
    """The raw data's codebook: every column's code, question, type, options and the codes
    that count as missing (不了解 and the like)."""
    _sheet(
        book,
        "变量说明",
        ["代码", "题目或含义", "类型", "选项（代码=含义）", "缺失值代码（不计入认可率分母）"],
        rows,
        [12, 60, 8, 60, 20],
    )
