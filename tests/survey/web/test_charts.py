"""The report's charts read: titled, names whole, small cells named, the threshold clear."""

from __future__ import annotations

import re

from survey.web.charts import bar_chart, wrap


def _label_lines(svg: str) -> list[list[str]]:
    return [re.findall(r"<tspan[^>]*>([^<]*)</tspan>", t) for t in svg.split('class="lbl"')[1:]]


def test_a_school_chart_names_every_school_whole_and_says_which_are_too_small():
    names = ["示例县城关第一小学", "河东镇中心小学", "柳林乡九年一贯制学校", "石门村小学"] * 2
    svg = str(
        bar_chart(
            names,
            [0.91, None, 0.8, 0.88] * 2,
            title="家长：各校认可度",
            max_value=1.0,
            line=0.85,
            line_label="达标线 85%",
            percent=True,
        )
    )
    assert ">家长：各校认可度</text>" in svg  # a visible title, not only a tooltip
    assert ["".join(lines) for lines in _label_lines(svg)] == names  # wrapped, never cut
    assert max(len(lines) for lines in _label_lines(svg)) >= 2
    assert svg.count("<rect") == 6 and svg.count(">人数过少<") == 2
    # the threshold's name sits right of the plot, where no bar reaches
    line_x2 = float(
        re.search(r'class="ref"', svg)
        and re.search(r'x2="([\d.]+)" y2="[\d.]+" class="ref"', svg).group(1)
    )
    label_x = float(re.search(r'<text x="([\d.]+)"[^>]*class="ref-lbl"', svg).group(1))
    bars_right = max(
        float(x) + float(w)
        for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    )
    assert label_x > line_x2 >= bars_right


def test_wrap_keeps_short_names_whole_and_marks_what_three_lines_cannot_hold():
    assert wrap("石门村小学", 5) == ["石门村小学"]
    assert wrap("示例县城关第一小学", 5) == ["示例县城关", "第一小学"]
    assert wrap("一" * 20, 4) == ["一一一一", "一一一一", "一一一…"]
