"""Schools of a campaign (import) and response targets per school × group (with a calculator)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from analysis.sampling import SchoolSize, calculator_plan, permille_plan
from questionnaires import GROUPS

from ..auth.access import own_campaign, roles
from ..core.database import db
from ..core.parsing import whole_number
from ..importing.schools import COLUMNS, copy_schools, import_schools
from ..services import audit
from ..services.campaigns import county_campaigns
from ..services.targets import links_by_school_group, set_targets, units_take_county_groups
from .blueprint import bp
from .forms import CalculatorForm, UploadForm


def _page(campaign, form, problems=None, status: int = 200):
    others = [
        c for c in county_campaigns(campaign.county_id) if c.id != campaign.id and c.schools_only
    ]
    return render_template(
        "console/schools.html",
        campaign=campaign,
        form=form,
        columns=COLUMNS,
        problems=problems,
        others=others,
    ), status


@bp.get("/campaigns/<int:campaign_id>/schools")
@roles("admin", "analyst")
def schools(campaign_id: int):
    return _page(own_campaign(campaign_id), UploadForm())


@bp.post("/campaigns/<int:campaign_id>/schools/copy")
@roles("admin")
def copy_schools_view(campaign_id: int):
    """Take the school list of another round of the county (a rehearsal's, say)."""
    campaign = own_campaign(campaign_id)
    raw = request.form.get("source", "")
    if (number := whole_number(raw)) is None:
        abort(400)
    source = own_campaign(number)
    result = copy_schools(source, campaign)
    return _imported(campaign, result, f"已从“{source.name}”复制学校名单", source=source.slug)


@bp.post("/campaigns/<int:campaign_id>/schools")
@roles("admin")
def import_schools_view(campaign_id: int):
    campaign = own_campaign(campaign_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(campaign, form, status=400)
    upload = form.file.data
    result = import_schools(campaign, upload.filename or "", upload.read())
    if not result.ok:
        db.session.rollback()
        return _page(campaign, form, result.problems, 422)
    return _imported(campaign, result, "导入成功", file=upload.filename)


def _imported(campaign, result, done: str, **detail):
    """Audit and commit a school list taken in (a file, or another round's), and say so."""
    audit.record(
        "schools.import",
        f"campaign {campaign.id}",
        added=result.added,
        updated=result.updated,
        **detail,
    )
    db.session.commit()
    flash(f"{done}：新增 {result.added} 所学校，更新 {result.updated} 所。")
    return redirect(url_for(".schools", campaign_id=campaign.id))


def _plan(campaign, form: CalculatorForm):
    sizes = [
        SchoolSize(s.code, s.enrolment, s.teachers or 0)
        for s in campaign.schools
        if not s.county_wide
    ]
    if form.way.data == "permille":
        if not form.population.data:
            form.population.errors = ["请填写全县常住人口"]
            return None
        plan = permille_plan(sizes, campaign.groups, form.population.data)
    else:
        plan = calculator_plan(
            sizes,
            campaign.groups,
            margin=float(form.margin.data or 0.05),
            confidence=float(form.confidence.data),
            p=float(form.expected.data or 0.85),
        )
    if units_take_county_groups(campaign, plan.targets):
        plan.explanation.append(
            "人大代表、政协委员和社会公众使用全县统一链接：按学校分配的份额合计到“全县”一行。"
        )
    return plan


@bp.route("/campaigns/<int:campaign_id>/targets", methods=["GET", "POST"])
@roles("admin")
def targets(campaign_id: int):
    campaign = own_campaign(campaign_id)
    links = links_by_school_group(campaign)
    calc = CalculatorForm(request.args)
    if request.args:
        plan = _plan(campaign, calc) if calc.validate() else None
    elif campaign.schools and all(link.target is None for link in links.values()):
        # nothing set yet: the table comes filled in with the formula's defaults to check
        plan = _plan(campaign, calc)
    else:
        plan = None
    errors: list[str] = []
    if request.method == "POST":
        typed = {link.id: request.form.get(f"t-{link.id}", "") for link in links.values()}
        update = set_targets(campaign, typed)
        errors = update.errors
        if not errors:
            db.session.commit()
            flash(f"目标已保存（修改 {len(update.changed)} 项）。")
            return redirect(url_for(".targets", campaign_id=campaign.id))
    return render_template(
        "console/targets.html",
        campaign=campaign,
        links=links,
        calc=calc,
        plan=plan,
        errors=errors,
        groups=GROUPS,
    ), (422 if errors else 200)
