"""The analysis report (web, printable) and the exports, for admins and analysts."""

from __future__ import annotations

import os
import tempfile
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wsgi import FileWrapper

from questionnaires import GROUPS

from ..auth.access import own_campaign, reach, roles
from ..core.database import db
from ..core.parsing import whole_number
from ..core.timeutil import format_local, utcnow
from ..services import audit
from ..services.campaigns import county_campaigns
from ..services.dossier_template import (
    TemplateRefused,
    remove_template,
    save_template,
    template_for,
    template_name,
)
from ..web.charts import bar_chart
from ..web.labels import (
    CHANGE_LABELS,
    METHOD_LABELS,
    SCREEN_RULE_LABELS,
    VERDICT_LABELS,
    interval_note,
    pct,
)
from .data import (
    COMMENT_PAGE,
    AnalysisError,
    ScopeNotFound,
    cached_analysis,
    comment_page,
    compare_campaigns,
    settings_for,
    visible_comments,
)
from .dossier import write_docx
from .exports import write_csv, write_raw_xlsx, write_xlsx
from .spss import write_sav

bp = Blueprint("reports", __name__, url_prefix="/console", template_folder="templates")

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "raw.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "sav": "application/x-spss-sav",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _method_arg(campaign):
    method = request.args.get("method") or campaign.method
    if method not in METHOD_LABELS:
        abort(400)
    return method


@bp.get("/campaigns/<int:campaign_id>/report")
@roles("admin", "analyst")
def report(campaign_id: int):
    campaign = own_campaign(campaign_id)
    query = (request.args.get("q") or "").strip()[:50] or None
    raw_page = request.args.get("page", "1")
    page = whole_number(raw_page) or 0
    if not 1 <= page <= 100_000:
        abort(404)
    more = False
    if campaign.purged_at is not None:  # the answers are gone: show the report kept before
        if not campaign.final_report:
            return _purged(campaign)
        result, method = campaign.final_report, campaign.final_report["method"]
        comments = None
    else:
        method = _method_arg(campaign)
        county = (request.args.get("county") or "").strip()[:80] or None
        try:
            result = cached_analysis(campaign, method, county=county)
        except ScopeNotFound as exc:
            return render_template("reports/failed.html", campaign=campaign, error=str(exc)), 404
        except AnalysisError as exc:
            _audit("report.view", campaign, "failed", method=method)
            return _failed(campaign, exc)
        comments, more = comment_page(campaign, result, query, page)
    _audit("report.view", campaign, "ok", method=method)
    t = campaign.threshold
    groups = result["groups"]
    group_chart = bar_chart(
        [d["label"] for d in groups.values()],
        [d["rate"] for d in groups.values()],
        title="各群体认可度",
        max_value=1.0,
        line=t,
        line_label=f"达标线 {t:.0%}",
        percent=True,
    )
    school_charts = {}
    for g in campaign.groups:
        rows = [r for r in result["schools"] if r["group"] == g]
        if rows:
            school_charts[g] = bar_chart(
                [r["school_name"] or r["school_code"] for r in rows],
                [r["rate"] for r in rows],
                title=f"{GROUPS[g]}：各校认可度",
                max_value=1.0,
                line=t,
                line_label=f"达标线 {t:.0%}",
                percent=True,
                height=220,
            )
    items = sorted(result["items"], key=lambda r: (r["rate"] is None, r["rate"] or 0))
    return render_template(
        "reports/report.html",
        campaign=campaign,
        result=result,
        method=method,
        methods=METHOD_LABELS,
        verdicts=VERDICT_LABELS,
        screen_rules=SCREEN_RULE_LABELS,
        interval_note=interval_note,
        pct=pct,
        groups=GROUPS,
        group_chart=group_chart,
        school_charts=school_charts,
        items=items,
        comments=comments,
        query=query or "",
        page=page,
        more=more,
        comment_page_size=COMMENT_PAGE,
        generated=format_local(utcnow()),
        word_template=template_name(campaign.county_id),
    )


@bp.get("/campaigns/<int:campaign_id>/export.<fmt>")
@roles("admin", "analyst")
def export(campaign_id: int, fmt: str):
    campaign = own_campaign(campaign_id)
    if fmt not in MIMETYPES:
        abort(404)
    if campaign.purged_at is not None:
        _audit(f"export.{fmt}", campaign, "refused", reason="purged")
        return _purged(campaign)
    method = _method_arg(campaign)
    settings = settings_for(campaign, method)
    stamp = format_local(utcnow(), "%Y%m%d-%H%M")
    name = quote(
        f"{campaign.slug}-原始数据-{stamp}.xlsx"
        if fmt == "raw.xlsx"
        else f"{campaign.slug}-{stamp}.{fmt}"
    )
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    try:
        response = _export(campaign, fmt, method, settings, headers)
    except AnalysisError as exc:
        _audit(f"export.{fmt}", campaign, "failed", method=method)
        return _failed(campaign, exc)
    _audit(f"export.{fmt}", campaign, "ok", method=method)
    return response


@bp.post("/campaigns/<int:campaign_id>/dossier-template")
@roles("admin")
def dossier_template(campaign_id: int):
    """Upload (or remove) the bureau's Word template for its dossiers."""
    campaign = own_campaign(campaign_id)
    if reach(campaign) != "own":
        abort(403)
    back = redirect(url_for(".report", campaign_id=campaign.id))
    if request.form.get("action") == "remove":
        if remove_template(campaign.county_id):
            flash("已删除 Word 模板，督导评估材料恢复为系统默认样式。")
        db.session.commit()
        return back
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择 Word 模板文件（.docx）。")
        return back, 303
    try:
        save_template(campaign.county_id, upload.filename, upload.read(), current_user.id)
    except TemplateRefused as exc:
        db.session.rollback()
        flash(f"模板未保存：{exc}")
        return back, 303
    db.session.commit()
    flash("已保存 Word 模板：此后导出的督导评估材料按此模板的样式生成。")
    return back


@bp.get("/compare")
@roles("admin", "analyst")
def compare():
    """Two rounds of the county side by side: pick A (earlier) and B (later)."""
    campaigns = county_campaigns(current_user.county_id)
    a_id, b_id = request.args.get("a", ""), request.args.get("b", "")
    result = error = None
    a = b = None
    if a_id or b_id:
        a_number, b_number = whole_number(a_id), whole_number(b_id)
        if a_number is None or b_number is None:
            abort(400)
        a, b = own_campaign(a_number), own_campaign(b_number)
        try:
            result = compare_campaigns(a, b)
        except AnalysisError as exc:
            error = str(exc)
        for c in (a, b):
            audit.record("report.compare", f"campaign {c.id}", result="failed" if error else "ok")
        db.session.commit()
    return render_template(
        "reports/compare.html",
        campaigns=campaigns,
        a=a,
        b=b,
        result=result,
        error=error,
        pct=pct,
        changes=CHANGE_LABELS,
        groups=GROUPS,
    ), (422 if error else 200)


def _audit(action: str, campaign, result: str, **detail) -> None:
    """Who saw or took which campaign's answers (等保: every view and download audited)."""
    audit.record(action, f"campaign {campaign.id}", result=result, **detail)
    db.session.commit()


def _purged(campaign):
    """The answer sheets were removed: say so (410) instead of exporting nothing."""
    return render_template("reports/failed.html", campaign=campaign, purged=True), 410


def _failed(campaign, exc):
    """Say that the report failed; never show empty tables as if there were no answers."""
    return render_template("reports/failed.html", campaign=campaign, error=str(exc)), 500


def _export(campaign, fmt, method, settings, headers):
    handle, path = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(handle)
    try:
        if fmt == "csv":
            with open(path, "wb") as out:
                write_csv(campaign, out, settings)
        elif fmt == "raw.xlsx":
            write_raw_xlsx(campaign, path, settings)
        elif fmt in ("xlsx", "docx"):
            result = cached_analysis(campaign, method)
            comments = visible_comments(campaign, result)
            if fmt == "xlsx":
                write_xlsx(campaign, path, result, comments, settings)
            else:
                write_docx(campaign, path, result, comments, settings, template_for(campaign))
        else:
            write_sav(campaign, path, settings)
        data = open(path, "rb")  # noqa: SIM115  (closed by the response)
    finally:
        os.unlink(path)  # the open handle keeps the data readable until sent
    return Response(
        FileWrapper(data), mimetype=MIMETYPES[fmt], headers=headers, direct_passthrough=True
    )
