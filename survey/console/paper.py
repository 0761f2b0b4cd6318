"""Paper questionnaires: printing numbered sheets, and typing the returned sheets twice (two
operators, blind to each other) with every difference settled before the batch is stored."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from questionnaires import GROUPS
from questionnaires.model import LANGUAGES

from ..auth.access import own_campaign, reach, roles
from ..core.database import db
from ..core.parsing import whole_number
from ..importing import paper
from ..models import Campaign, School, User
from ..reports.paper_form import suffix_for, write_sheets
from ..web.qr import safe_filename
from .blueprint import bp


def _campaign(campaign_id: int) -> Campaign:
    """Paper sheets are the campaign's own bureau's (an assessor's, in a verification)."""
    campaign = own_campaign(campaign_id)
    if reach(campaign) != "own":
        abort(403)
    return campaign


def _batch(campaign: Campaign, batch_id: int):
    batch = paper.find_batch(campaign, batch_id)
    if batch is None:
        abort(404)
    return batch


def _entry_url(campaign: Campaign, batch, pass_no: int) -> str:
    return url_for(".paper_entry", campaign_id=campaign.id, batch_id=batch.id, pass_no=pass_no)


def _names(*user_ids: int | None) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    return {u.id: u.username for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


@bp.route("/campaigns/<int:campaign_id>/paper", methods=["GET", "POST"])
@roles("admin")
def paper_home(campaign_id: int):
    """Print sheets; the entry batches and where each stands."""
    campaign = _campaign(campaign_id)
    status = 200
    if request.method == "POST" and request.form.get("action") == "batch":
        school = db.session.get(School, request.form.get("school", type=int) or 0)
        try:
            if school is None:
                raise paper.EntryRefused("请选择学校。")
            batch = paper.new_batch(
                campaign,
                school,
                request.form.get("group", ""),
                request.form.get("label", ""),
                current_user,
                whole_number(request.form.get("version", "")),
            )
        except paper.EntryRefused as exc:
            db.session.rollback()
            flash(str(exc))
            status = 422
        else:
            db.session.commit()
            return redirect(_entry_url(campaign, batch, 1))
    batches = paper.batches(campaign)
    users = _names(
        *(b.first_operator_id for b in batches), *(b.second_operator_id for b in batches)
    )
    return render_template(
        "console/paper.html",
        campaign=campaign,
        batches=batches,
        users=users,
        groups=[(g, GROUPS[g]) for g in campaign.groups],
        schools=sorted(campaign.schools, key=lambda s: s.code),
        languages=[(code, LANGUAGES[code][0]) for code in (campaign.languages or ["zh-Hans"])],
        counts=paper.pass_counts(campaign),
        versions=paper.printed_versions(campaign),
    ), status


@bp.route("/campaigns/<int:campaign_id>/paper/print", methods=["POST"])
@roles("admin")
def paper_print(campaign_id: int):
    """Numbered A4 sheets: a Word document for one school × group, else a ZIP of them."""
    campaign = _campaign(campaign_id)
    if "school" not in request.form or "group" not in request.form:
        abort(400)  # the form always sends both ("" for all)
    copies = request.form.get("copies") or None
    try:
        sheets = paper.print_sheets(
            campaign,
            request.form.get("school") or None,
            request.form.get("group") or None,
            None if copies is None else whole_number(copies) or 0,
            request.form.get("language") or None,
        )
    except paper.EntryRefused as exc:
        db.session.rollback()
        flash(str(exc))
        return redirect(url_for(".paper_home", campaign_id=campaign.id)), 303
    out = io.BytesIO()
    write_sheets(campaign, sheets, out, request.form.get("language") or None)
    db.session.commit()
    out.seek(0)
    first = sheets[0]
    name = (
        f"{first.school.code}_{first.school.name}_{GROUPS[first.group]}_纸质问卷.docx"
        if suffix_for(sheets) == ".docx"
        else f"{campaign.name}_纸质问卷.zip"
    )
    return send_file(out, as_attachment=True, download_name=safe_filename(name))


@bp.route(
    "/campaigns/<int:campaign_id>/paper/<int:batch_id>/<int:pass_no>", methods=["GET", "POST"]
)
@roles("admin")
def paper_entry(campaign_id: int, batch_id: int, pass_no: int):
    """One operator's pass: the sheet number first, then the option numbers item after item.
    The other pass is never shown here."""
    campaign = _campaign(campaign_id)
    batch = _batch(campaign, batch_id)
    if pass_no not in paper.PASSES:
        abort(404)
    refused = paper.may_enter(batch, pass_no, current_user)
    status = 200
    entered = None
    editing = request.args.get("sheet", type=int)
    values: dict[str, str] = {}
    if request.method == "POST" and not refused:
        action = request.form.get("action", "save")
        try:
            if action == "finish":
                paper.finish_pass(batch, pass_no, current_user)
                db.session.commit()
                flash(f"{paper.PASS_LABELS[pass_no]}录入完成。")
                return redirect(url_for(".paper_home", campaign_id=campaign.id))
            if action == "delete":
                paper.delete_sheet(
                    batch, pass_no, current_user, request.form.get("number", type=int) or 0
                )
                db.session.commit()
                return redirect(request.path)
        except paper.EntryRefused as exc:
            db.session.rollback()
            flash(str(exc))
            return redirect(request.path), 303
        values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "action")}
        entered = paper.enter_sheet(
            batch,
            pass_no,
            current_user,
            request.form.get("number", ""),
            values,
            replace=action == "replace",
        )
        if entered.ok:
            db.session.commit()
            flash(f"第 {entered.number} 号已保存。")
            return redirect(request.path)
        db.session.rollback()
        status = 422
        editing = request.form.get("number", type=int) if action == "replace" else None
    elif request.method == "POST":
        status = 409
    elif editing is not None and not refused:
        sheet = paper.pass_sheets(batch, pass_no).get(editing)
        if sheet is None:
            abort(404)
        values = {"number": str(editing), **sheet.answers}
    q = paper.form_of(batch)
    return render_template(
        "console/paper_entry.html",
        items=paper.entry_items(q, batch.group),
        campaign=campaign,
        batch=batch,
        pass_no=pass_no,
        pass_label=paper.PASS_LABELS[pass_no],
        refused=refused,
        q=q,
        numbers=sorted(paper.pass_sheets(batch, pass_no)) if not refused else [],
        values=values,
        entered=entered,
        editing=editing,
        group_label=GROUPS[batch.group],
    ), status


@bp.route("/campaigns/<int:campaign_id>/paper/<int:batch_id>/reopen", methods=["POST"])
@roles("admin")
def paper_reopen(campaign_id: int, batch_id: int):
    campaign = _campaign(campaign_id)
    batch = _batch(campaign, batch_id)
    pass_no = request.form.get("pass_no", type=int)
    try:
        paper.reopen_pass(batch, pass_no, current_user)
    except paper.EntryRefused as exc:
        db.session.rollback()
        flash(str(exc))
        return redirect(url_for(".paper_compare", campaign_id=campaign.id, batch_id=batch.id)), 303
    db.session.commit()
    return redirect(_entry_url(campaign, batch, pass_no))


@bp.route("/campaigns/<int:campaign_id>/paper/<int:batch_id>/compare", methods=["GET", "POST"])
@roles("admin")
def paper_compare(campaign_id: int, batch_id: int):
    """Both passes side by side once both are finished: each difference settled from the
    paper, then the batch stored (refused while any is open)."""
    campaign = _campaign(campaign_id)
    batch = _batch(campaign, batch_id)
    status = 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "store":
                stored = paper.store(batch, current_user)
                db.session.commit()
                flash(f"已存入 {stored} 份纸质答卷。")
                return redirect(url_for(".paper_home", campaign_id=campaign.id))
            choices = {
                k.removeprefix("v:"): v for k, v in request.form.items() if k.startswith("v:")
            }
            paper.settle(batch, current_user, choices)
            db.session.commit()
            return redirect(request.path)
        except paper.EntryRefused as exc:
            db.session.rollback()
            flash(str(exc))
            status = 409
    comparison = paper.compare(batch)
    q = paper.form_of(batch)
    return render_template(
        "console/paper_compare.html",
        campaign=campaign,
        batch=batch,
        comparison=comparison,
        q=q,
        numbers=paper.item_numbers(q, batch.group),
        users=_names(batch.first_operator_id, batch.second_operator_id),
        group_label=GROUPS[batch.group],
    ), status
