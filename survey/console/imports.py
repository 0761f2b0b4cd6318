"""Import paper or external responses; a 问卷星 export after its column mapping is confirmed."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from questionnaires import GROUPS

from ..auth.access import own_campaign, reach, roles
from ..core.database import db
from ..importing import drafts, wjx
from ..importing.responses import import_responses
from ..importing.tabular import Problem, TableError
from ..services import audit
from ..services.campaigns import group_forms
from .blueprint import bp
from .forms import ResponseUploadForm


@bp.route("/campaigns/<int:campaign_id>/responses/import", methods=["GET", "POST"])
@roles("admin")
def import_responses_view(campaign_id: int):
    campaign = own_campaign(campaign_id)
    form = ResponseUploadForm()
    problems = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        name, data = upload.filename or "", upload.read()
        if form.source.data == "wjx":
            try:
                found = wjx.read_wjx(name, data, current_app.config["NETWORK_SALT"])
            except TableError as exc:
                problems, status = [Problem(0, "", str(exc))], 422
            else:
                token = drafts.keep(campaign, current_user.id, name, found)
                db.session.commit()
                return redirect(url_for(".wjx_mapping", campaign_id=campaign.id, token=token))
        else:
            result = import_responses(campaign, name, data, form.source.data)
            if result.ok:
                audit.record(
                    "responses.import",
                    f"campaign {campaign.id}",
                    file=name,
                    source=form.source.data,
                    rows=result.imported,
                )
                db.session.commit()
                flash(f"导入成功：{result.imported} 份答卷。")
                return redirect(url_for(".dashboard", campaign_id=campaign.id))
            db.session.rollback()
            problems, status = result.problems, 422
    elif form.errors:
        status = 400
    return render_template(
        "console/import_responses.html", campaign=campaign, form=form, problems=problems
    ), status


@bp.route("/campaigns/<int:campaign_id>/responses/wjx/<token>", methods=["GET", "POST"])
@roles("admin")
def wjx_mapping(campaign_id: int, token: str):
    """The columns of an uploaded 问卷星 export against the questionnaire's items: matched
    (or as confirmed for the same form before), shown to be checked and changed, then
    imported whole or not at all."""
    campaign = own_campaign(campaign_id)
    if reach(campaign) != "own":
        abort(403)  # an upload waiting to be imported is the campaign's own bureau's
    draft = drafts.find(campaign, current_user.id, token)
    if draft is None:
        abort(404)
    found = wjx.WjxFile.from_json(draft.body)
    forms = group_forms(campaign)
    if request.method == "POST" and request.form.get("action") == "cancel":
        drafts.drop(draft)
        db.session.commit()
        flash("已取消导入。")
        return redirect(url_for(".import_responses_view", campaign_id=campaign.id))
    choice = wjx.Choices.from_values(found, request.form if request.method == "POST" else {})
    if request.method == "GET":
        choice.mapping = wjx.propose(found, campaign, forms, None)
    problems, status = [], 200
    if request.method == "POST":
        result = wjx.import_wjx(
            campaign,
            found,
            choice.mapping,
            kind=choice.kind,
            school_code=choice.school,
            group=choice.group,
        )
        if result.ok:
            audit.record(
                "responses.import",
                f"campaign {campaign.id}",
                file=draft.filename,
                source="wjx",
                rows=result.imported,
                skipped=result.skipped,
            )
            drafts.drop(draft)
            db.session.commit()
            skipped = f"；{result.skipped} 份此前已导入，已跳过" if result.skipped else ""
            flash(f"导入成功：{result.imported} 份答卷（按{wjx.KINDS[result.kind]}）{skipped}。")
            return redirect(url_for(".dashboard", campaign_id=campaign.id))
        db.session.rollback()
        problems, status = result.problems, 422
    return render_template(
        "console/import_wjx.html",
        campaign=campaign,
        draft=draft,
        file=found,
        choice=choice,
        targets=wjx.target_choices(forms),
        samples=wjx.samples(found),
        groups=[(g, GROUPS[g]) for g in campaign.groups],
        schools=campaign.schools_only,
        kinds=wjx.KINDS,
        problems=problems,
    ), status
