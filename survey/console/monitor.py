"""Live monitoring: responses against targets, lagging schools first, refreshing itself."""

from __future__ import annotations

import io

from flask import render_template, request, send_file

from questionnaires import GROUPS

from ..auth.access import ALL_ROLES, own_campaign, roles, visible_school_ids
from ..core.database import db
from ..core.timeutil import format_local, to_local, utcnow
from ..services import audit
from ..services.progress import campaign_progress, hourly_counts
from ..web.charts import bar_chart
from .blueprint import bp


def _hourly_chart(campaign, school_ids):
    hours = hourly_counts(campaign, school_ids)
    local = [to_local(h) for h, _ in hours]
    return bar_chart(
        [f"{t.month}月{t.day}日 {t.hour:02d}时" for t in local],
        [n for _, n in hours],
        title="最近48小时每小时答卷数",
        label_every=6,
        height=180,
        # the axis names the day as well as the hour: 48 hours repeat every hour twice
        axis_labels=[f"{t.day}日{t.hour:02d}时" for t in local],
    )


@bp.get("/campaigns/<int:campaign_id>")
@roles(*ALL_ROLES)
def dashboard(campaign_id: int):
    campaign = own_campaign(campaign_id)
    school_ids = visible_school_ids(campaign)
    progress = campaign_progress(campaign, school_ids)
    context = dict(
        campaign=campaign,
        progress=progress,
        chart=_hourly_chart(campaign, school_ids),
        groups=GROUPS,
        updated=format_local(utcnow(), "%H:%M:%S"),
    )
    if request.args.get("fragment"):
        return render_template("console/_live.html", **context)
    return render_template("console/dashboard.html", **context)


@bp.get("/campaigns/<int:campaign_id>/progress.xlsx")
@roles("admin", "analyst")
def progress_xlsx(campaign_id: int):
    import xlsxwriter

    campaign = own_campaign(campaign_id)
    progress = campaign_progress(campaign)
    audit.record("download.progress", f"campaign {campaign.id}")
    db.session.commit()
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("进度")
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    pct = book.add_format({"num_format": "0.0%"})
    headers = ["学校代码", "学校名称", "学段", "城乡"]
    for g in progress.groups:
        headers += [f"{GROUPS[g]}目标", f"{GROUPS[g]}已答", f"{GROUPS[g]}完成率"]
    headers += ["合计目标", "合计已答", "完成率"]
    sheet.write_row(0, 0, headers, bold)
    for r, s in enumerate(progress.schools, start=1):
        row = [s.code, s.name, s.stage, s.location]
        sheet.write_row(r, 0, row)
        col = len(row)
        for g in progress.groups:
            cell = s.cells[g]
            sheet.write(r, col, cell.target if cell.target is not None else "")
            sheet.write(r, col + 1, cell.count)
            if cell.completion is not None:
                sheet.write_number(r, col + 2, cell.completion, pct)
            col += 3
        sheet.write(r, col, s.target)
        sheet.write(r, col + 1, s.count)
        if s.completion is not None:
            sheet.write_number(r, col + 2, s.completion, pct)
    sheet.freeze_panes(1, 2)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 24)
    book.close()
    out.seek(0)
    name = f"{campaign.slug}-progress-{format_local(utcnow(), '%Y%m%d-%H%M')}.xlsx"
    return send_file(
        out,
        as_attachment=True,
        download_name=name,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
