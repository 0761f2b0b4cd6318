"""Classes of a school: added by the bureau or the school, their links for pupils and parents,
and their counts so a head teacher can chase the class."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from questionnaires import GROUPS

from ..auth.access import ALL_ROLES, own_campaign, own_school, roles, visible_school_ids
from ..core.database import db
from ..core.parsing import whole_number
from ..services import audit
from ..services.classes import add_classes, class_groups, class_progress, parse_class_lines
from .blueprint import bp
from .distribution import link_url


@bp.get("/campaigns/<int:campaign_id>/classes")
@roles(*ALL_ROLES)
def classes(campaign_id: int):
    """Each school's classes with their answers and links; ?school=ID for one school."""
    campaign = own_campaign(campaign_id)
    school_ids = visible_school_ids(campaign)
    raw = request.args.get("school", "")
    if raw:
        number = whole_number(raw)
        school_ids = [own_school(campaign, number).id] if number is not None else []
    schools = [s for s in campaign.schools_only if school_ids is None or s.id in school_ids]
    return _page(campaign, schools, request.args.get("lines", ""), [])


def _page(campaign, schools, typed: str, problems: list[str], status: int = 200):
    by_school = {
        entry.school.id: entry for entry in class_progress(campaign, [s.id for s in schools])
    }
    return render_template(
        "console/classes.html",
        campaign=campaign,
        schools=schools,
        by_school=by_school,
        class_links={(lk.class_id, lk.group): lk for s in schools for lk in s.links if lk.class_id},
        groups=class_groups(campaign),
        labels=GROUPS,
        link_url=link_url,
        typed=typed,
        problems=problems,
    ), status


@bp.post("/campaigns/<int:campaign_id>/schools/<int:school_id>/classes")
@roles("admin", "coordinator")
def add_classes_view(campaign_id: int, school_id: int):
    """Classes typed one per line (年级 班级 人数); all lines valid or none added."""
    campaign = own_campaign(campaign_id)
    school = own_school(campaign, school_id)
    if school.county_wide:
        return _page(campaign, [school], "", ["全县统一链接不分班级。"], 400)
    text = request.form.get("lines", "")
    if len(text) > 20_000:
        return _page(campaign, [school], "", ["内容过长：一次最多添加几百个班级。"], 400)
    entries, problems = parse_class_lines(text)
    if not entries and not problems:
        problems = ["请至少填写一个班级，如“三年级 2班 45”。"]
    if problems:
        return _page(campaign, [school], text, problems, 422)
    added, updated = add_classes(school, entries)
    audit.record(
        "classes.add",
        f"campaign {campaign.id}",
        school=school.code,
        added=added,
        updated=updated,
    )
    db.session.commit()
    flash(f"{school.name}：新增 {added} 个班级，更新 {updated} 个班级的人数。")
    return redirect(url_for(".classes", campaign_id=campaign.id, school=school.id))
