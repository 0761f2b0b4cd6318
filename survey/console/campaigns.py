"""Campaign list, creation, editing, opening and closing."""

from __future__ import annotations

from datetime import UTC

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from questionnaires import GROUPS

from ..auth.access import ALL_ROLES, own_campaign, roles
from ..core.database import db
from ..core.timeutil import CST, to_local
from ..models import Campaign
from ..models.campaign import DEFAULT_PURPOSE
from ..services import audit
from ..services.campaigns import (
    STATUS_MESSAGES,
    CampaignEdit,
    EditRefused,
    StatusRefused,
    apply_settings,
    assessing_campaigns,
    county_campaigns,
    create_campaign,
    registry,
    response_counts,
    shared_from_below,
    update_campaign,
)
from ..services.campaigns import set_status as change_status
from ..services.purge import PurgeRefused, purge_answers
from .blueprint import bp
from .forms import CampaignForm, choices, format_weights


def _form(campaign: Campaign | None = None) -> CampaignForm:
    form = CampaignForm(obj=campaign)
    form.layout.choices = choices((code, lay.label) for code, lay in registry().layouts.items())
    if campaign is not None and request.method == "GET":
        form.threshold.data = round(campaign.threshold * 100, 1)  # typed as a percentage
        form.opens_at.data = to_local(campaign.opens_at)
        form.closes_at.data = to_local(campaign.closes_at)
        form.group_weights.data = format_weights(campaign.group_weights)
    elif campaign is None and request.method == "GET":
        form.groups.data = list(GROUPS)
    return form


@bp.get("/")
@roles(*ALL_ROLES)
def index():
    return render_template(
        "console/index.html",
        campaigns=county_campaigns(current_user.county_id),
        shared=shared_from_below(current_user.county_id)
        if current_user.role in ("admin", "analyst")
        else [],
        assessed=assessing_campaigns(current_user.county_id),
        counts=response_counts(),
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles("admin")
def new_campaign():
    form = _form()
    if form.validate_on_submit():
        campaign = create_campaign(
            current_user.county,
            form.name.data.strip(),
            slug=form.slug.data or None,
            layout=form.layout.data,
            groups=form.groups.data,
            link_mode=form.link_mode.data,
            threshold=float(form.threshold.data) / 100,
            opens_at=_local_to_utc(form.opens_at.data),
            closes_at=_local_to_utc(form.closes_at.data),
            county_links=bool(form.county_links.data),
        )
        apply_settings(campaign, _edit(form))
        audit.record("campaign.create", f"campaign {campaign.id}", name=campaign.name)
        db.session.commit()
        flash("调查已创建。下一步：导入学校。")
        return redirect(url_for(".schools", campaign_id=campaign.id))
    return _form_page(form, None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles("admin")
def edit_campaign(campaign_id: int):
    campaign = own_campaign(campaign_id)
    form = _form(campaign)
    has_answers = response_counts().get(campaign.id, 0) > 0
    if form.validate_on_submit():
        try:
            changed = update_campaign(campaign, _edit(form), has_answers)
        except EditRefused as exc:
            form.groups.errors = [str(exc)]
            return _form_page(form, campaign, has_answers)
        audit.record(
            "campaign.update",
            f"campaign {campaign.id}",
            fields=changed,
        )
        db.session.commit()
        flash("调查设置已保存。")
        return redirect(url_for(".dashboard", campaign_id=campaign.id))
    return _form_page(form, campaign, has_answers)


def _form_page(form: CampaignForm, campaign: Campaign | None, has_answers: bool = False):
    return render_template(
        "console/campaign_form.html",
        form=form,
        campaign=campaign,
        has_answers=has_answers,
        default_purpose=DEFAULT_PURPOSE,
    ), (400 if form.errors else 200)


@bp.post("/campaigns/<int:campaign_id>/status")
@roles("admin")
def set_status(campaign_id: int):
    campaign = own_campaign(campaign_id)
    status = request.form.get("status")
    if status not in STATUS_MESSAGES:
        abort(400)
    if status == "closed" and campaign.status == "open" and request.form.get("confirm") != "1":
        flash("调查仍在进行：请先勾选“我确认现在结束本次调查”，再点关闭。")
        return redirect(url_for(".edit_campaign", campaign_id=campaign.id))
    try:
        change_status(campaign, status)
    except StatusRefused as exc:
        flash(str(exc))
        page = ".schools" if not campaign.schools_only else ".edit_campaign"
        return redirect(url_for(page, campaign_id=campaign.id))
    db.session.commit()
    flash(STATUS_MESSAGES[status])
    return redirect(url_for(".dashboard", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/purge")
@roles("admin")
def purge_campaign(campaign_id: int):
    campaign = own_campaign(campaign_id)
    if (request.form.get("confirm") or "").strip() != campaign.slug:
        flash("调查代码输入不正确，未清除任何答卷。")
        return redirect(url_for(".edit_campaign", campaign_id=campaign.id))
    try:
        removed = purge_answers(campaign)
    except PurgeRefused as exc:
        flash(str(exc))
        return redirect(url_for(".edit_campaign", campaign_id=campaign.id))
    flash(f"已清除 {removed} 份答卷；答卷数量和清除前的分析结果已保留。")
    return redirect(url_for(".dashboard", campaign_id=campaign.id))


def _edit(form: CampaignForm) -> CampaignEdit:
    return CampaignEdit(
        name=form.name.data.strip(),
        layout=form.layout.data,
        groups=list(form.groups.data),
        link_mode=form.link_mode.data,
        threshold=float(form.threshold.data) / 100,
        opens_at=_local_to_utc(form.opens_at.data),
        closes_at=_local_to_utc(form.closes_at.data),
        county_links=bool(form.county_links.data),
        languages=list(form.languages.data or []),
        analysis={
            "method": form.method.data,
            "group_weights": getattr(form.group_weights, "parsed", None),
            "poststratify": bool(form.poststratify.data),
            "screen_rule": form.screen_rule.data,
            "min_cell": form.min_cell.data,
            "min_verdict_n": form.min_verdict_n.data,
            "speed_floor": float(form.speed_floor.data),
        },
        share_up=bool(form.share_up.data),
        assessed_see_progress=bool(form.assessed_see_progress.data),
        notice={
            "organiser": form.organiser.data or "",
            "contact": form.contact.data or "",
            "purpose": form.purpose.data or "",
            "code_margin": form.code_margin.data,
        },
    )


def _local_to_utc(local):
    """A datetime-local value typed in China time, stored as naive UTC."""
    if local is None:
        return None
    return local.replace(tzinfo=CST).astimezone(UTC).replace(tzinfo=None)
