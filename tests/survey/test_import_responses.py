"""Paper and external answers: all rows or none, with the bad row and column named."""

from __future__ import annotations

import io

from tests.helpers import csrf_of, login, questionnaire_for, response_count


def _csv(app, demo, rows_extra=None):
    q = questionnaire_for(app, demo, "parent")
    codes = [it.code for it in q.items]
    header = ["school_code", "group", *codes, "submitted_at", "duration_seconds", "network"]
    lines = [",".join(header)]
    for i in range(3):
        answers = ["1" if it.type == "single" else "很好" for it in q.items]
        lines.append(
            ",".join(
                ["4101010001", "家长", *answers, "2026-11-20 20:15", str(200 + i), "wjx-device-7"]
            )
        )
    for extra in rows_extra or []:
        lines.append(extra(codes))
    return "\n".join(lines) + "\n", codes


def test_good_file_imports_all_rows_once(app, runner, demo, tmp_path):
    text, _ = _csv(app, demo)
    path = tmp_path / "paper.csv"
    path.write_text(text, encoding="utf-8-sig")
    out = runner.invoke(args=["import-responses", "demo-2026", str(path)])
    assert out.exit_code == 0, out.output
    assert response_count(app, source="paper") == 3
    again = runner.invoke(args=["import-responses", "demo-2026", str(path)])
    assert again.exit_code != 0 and "已经导入过" in again.output
    assert response_count(app) == 3


def test_bad_option_imports_nothing_and_names_row_and_column(app, runner, demo, tmp_path):
    def bad(codes):
        values = ["1"] * (len(codes) - 1) + [""]
        values[4] = "7"
        return ",".join(["4101010002", "parent", *values, "", "", ""])

    text, codes = _csv(app, demo, [bad])
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="gbk")
    out = runner.invoke(args=["import-responses", "demo-2026", str(path)])
    assert out.exit_code != 0
    assert f"第 5 行，列“{codes[4]}”" in out.stderr and "“7”不是" in out.stderr
    assert response_count(app) == 0


def test_unknown_school_group_and_column_are_reported(app, client, demo, staff):
    def unknown_school(codes):
        return ",".join(["9999", "parent", *(["1"] * (len(codes) - 1)), "", "", "", ""])

    def unknown_group(codes):
        return ",".join(["4101010001", "校友", *(["1"] * (len(codes) - 1)), "", "", "", ""])

    text, _ = _csv(app, demo, [unknown_school, unknown_group])
    login(client, "admin")
    url = f"/console/campaigns/{demo}/responses/import"
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_of(client, url),
            "source": "paper",
            "file": (io.BytesIO(text.encode()), "x.csv"),
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "未知学校代码“9999”" in html and "“校友”不是本次调查的群体" in html
    text2 = "school_code,group,P01,ZZ9\n4101010001,parent,1,1\n"
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_of(client, url),
            "source": "import",
            "file": (io.BytesIO(text2.encode()), "y.csv"),
        },
    )
    assert resp.status_code == 422 and "ZZ9" in resp.get_data(as_text=True)
    assert response_count(app) == 0
