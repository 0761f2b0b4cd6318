"""Links, QR codes (SVG/PNG), printable notices and code slips per link, per school or for the
whole campaign, a ZIP of all QR codes, and one-time codes sized from the targets."""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from questionnaires import GROUPS

from ..auth.access import (
    ALL_ROLES,
    own_campaign,
    own_link,
    own_school,
    roles,
    school_visible,
    visible_school_ids,
    writable,
)
from ..core.database import db
from ..core.parsing import whole_number
from ..models import AccessCode, Link, School
from ..services import audit
from ..services.campaigns import campaign_links, generate_codes, survey_path
from ..services.handouts import (
    SchoolLinks,
    group_label,
    school_links,
    top_up_codes,
    unused_codes,
)
from ..web.qr import qr_png, qr_svg, qr_svg_inline, qr_zip, safe_filename
from .blueprint import bp
from .forms import CodesForm


def public_base() -> str:
    """Where respondents reach the survey: PUBLIC_BASE_URL, else the URL the console is on."""
    return (current_app.config.get("PUBLIC_BASE_URL") or request.url_root).rstrip("/")


def link_url(link: Link) -> str:
    return public_base() + survey_path(link.token)


@bp.get("/campaigns/<int:campaign_id>/links")
@roles(*ALL_ROLES)
def links(campaign_id: int):
    campaign = own_campaign(campaign_id)
    rows = db.session.execute(
        sa.select(Link, School)
        .join(School, Link.school_id == School.id)
        .where(Link.campaign_id == campaign.id)
        .order_by(School.code, Link.id)
    ).all()
    rows = [(lk, s) for lk, s in rows if school_visible(s)]
    unused = dict(
        db.session.execute(
            sa.select(AccessCode.link_id, sa.func.count())
            .join(Link, AccessCode.link_id == Link.id)
            .where(Link.campaign_id == campaign.id, AccessCode.used_at.is_(None))
            .group_by(AccessCode.link_id)
        ).all()
    )
    return render_template(
        "console/links.html",
        campaign=campaign,
        rows=rows,
        groups=GROUPS,
        link_url=link_url,
        unused=unused,
        codes_form=CodesForm(),
    )


QR_FORMATS = {"svg": (qr_svg, "image/svg+xml"), "png": (qr_png, "image/png")}


@bp.get("/links/<int:link_id>/qr.<fmt>")
@roles(*ALL_ROLES)
def qr_code(link_id: int, fmt: str):
    """A link's QR code as SVG (for print) or PNG (for WeChat groups)."""
    if fmt not in QR_FORMATS:
        abort(404)
    link, school, _ = own_link(link_id)
    make, mimetype = QR_FORMATS[fmt]
    resp = Response(make(link_url(link)), mimetype=mimetype)
    where = f"{school.code}_{link.class_label}" if link.class_label else school.code
    name = quote(f"{where}_{link.group}.{fmt}")
    resp.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{name}"
    return resp


@bp.get("/links/<int:link_id>/notice")
@roles(*ALL_ROLES)
def notice(link_id: int):
    """One link's notice (the links table's 告知单)."""
    link, school, campaign = own_link(link_id)
    return _notices_page(campaign, [SchoolLinks(school, [link])], title=f"{school.name} 告知单")


@bp.get("/campaigns/<int:campaign_id>/notices")
@roles(*ALL_ROLES)
def notices(campaign_id: int):
    """Every group's notice of one school (?school=ID) or of the whole campaign, one A4 page
    each, in one document to print at once. A coordinator gets their own school's."""
    campaign = own_campaign(campaign_id)
    schools = school_links(campaign, _school_ids(campaign))
    audit.record("download.notices", f"campaign {campaign.id}", count=len(schools))
    db.session.commit()
    title = schools[0].school.name if len(schools) == 1 else campaign.name
    return _notices_page(campaign, schools, title=f"{title} 告知单")


def _school_ids(campaign) -> list[int] | None:
    """The schools a batch covers: ?school=ID (one the user may see), else all they see."""
    raw = request.args.get("school", "")
    if raw:
        if (number := whole_number(raw)) is None:
            abort(404)
        return [own_school(campaign, number).id]
    return visible_school_ids(campaign)


def _notices_page(campaign, schools: list[SchoolLinks], title: str):
    pages = [
        {
            "school": entry.school,
            "place": link.place,
            "group": group_label(link.group),
            "url": (url := link_url(link)),
            "qr": qr_svg_inline(url, scale=8),
        }
        for entry in schools
        for link in entry.links
    ]
    return render_template("console/notices.html", campaign=campaign, pages=pages, title=title)


@bp.get("/campaigns/<int:campaign_id>/qr.zip")
@roles("admin")
def qr_zip_view(campaign_id: int):
    campaign = own_campaign(campaign_id)
    body = qr_zip(campaign_links(campaign, public_base()))
    audit.record("download.qr_zip", f"campaign {campaign.id}")
    db.session.commit()
    name = quote(safe_filename(f"{campaign.slug}-qrcodes") + ".zip")
    return Response(
        body,
        mimetype="application/zip",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


@bp.post("/links/<int:link_id>/codes")
@roles("admin")
def make_codes(link_id: int):
    link, school, campaign = own_link(link_id)
    form = CodesForm()
    if not form.validate_on_submit():
        flash("；".join(e for errs in form.errors.values() for e in errs))
        return redirect(url_for(".links", campaign_id=campaign.id), 303)
    made = generate_codes(link, form.count.data)
    audit.record(
        "codes.generate", f"link {link.id}", school=school.code, group=link.group, count=len(made)
    )
    db.session.commit()
    flash(f"已为 {school.name} {GROUPS[link.group]} 生成 {len(made)} 个答题码。")
    return redirect(url_for(".slips", link_id=link.id))


@bp.post("/campaigns/<int:campaign_id>/codes")
@roles("admin")
def make_all_codes(campaign_id: int):
    """Codes for every link of one school (form field school) or of the whole campaign, as
    many as each target plus the campaign's margin; then the slips to print."""
    campaign = own_campaign(campaign_id)
    raw = request.form.get("school", "")
    number = whole_number(raw)
    if raw and number is None:
        abort(400)
    school_ids = [own_school(campaign, number).id] if raw else None
    batch = top_up_codes(campaign, school_links(campaign, school_ids))
    audit.record("codes.generate", f"campaign {campaign.id}", count=batch.made, school=raw or "all")
    db.session.commit()
    if batch.without_target:
        flash(f"有 {batch.without_target} 个链接还没有目标数，未生成答题码：请先在“目标”页设定。")
    flash(
        f"已为 {batch.links} 个链接生成 {batch.made} 个答题码（目标数另加"
        f"{campaign.code_margin}%余量；已有未用的答题码计入）。"
    )
    return redirect(url_for(".all_slips", campaign_id=campaign.id, school=raw or None), 303)


@bp.get("/campaigns/<int:campaign_id>/slips")
@roles("admin", "coordinator")
def all_slips(campaign_id: int):
    """The unused code slips of one school (?school=ID) or of the campaign, a school's slips
    starting on a new page."""
    campaign = own_campaign(campaign_id)
    _codes_are_for_the_owner(campaign)
    schools = school_links(campaign, _school_ids(campaign))
    title = schools[0].school.name if len(schools) == 1 else campaign.name
    return _slips_page(campaign, schools, title=f"{title} 答题码")


def _codes_are_for_the_owner(campaign) -> None:
    """One-time codes admit respondents: a level above reading a shared campaign never gets
    them (403)."""
    if not writable(campaign):
        abort(403)


@bp.get("/links/<int:link_id>/slips")
@roles("admin", "coordinator")
def slips(link_id: int):
    link, school, campaign = own_link(link_id)
    _codes_are_for_the_owner(campaign)
    return _slips_page(
        campaign, [SchoolLinks(school, [link])], title=f"{school.name} {group_label(link.group)}"
    )


def _slips_page(campaign, schools: list[SchoolLinks], title: str):
    codes = unused_codes([lk.id for entry in schools for lk in entry.links])
    sheets = []
    for entry in schools:
        for link in entry.links:
            base = link_url(link)
            sheets.append(
                {
                    "school": entry.school,
                    "place": link.place,
                    "group": group_label(link.group),
                    "base": base,
                    "slips": [
                        (c, qr_svg_inline(f"{base}?code={c}", scale=3)) for c in codes[link.id]
                    ],
                }
            )
    total = sum(len(s["slips"]) for s in sheets)
    audit.record("download.slips", f"campaign {campaign.id}", codes=total, count=len(schools))
    db.session.commit()
    return render_template(
        "console/slips.html", campaign=campaign, sheets=sheets, total=total, title=title
    )
