"""Links, QR codes (SVG/PNG), printable notices, a ZIP of all QR codes, one-time code slips."""

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

from ..auth.access import ALL_ROLES, own_campaign, own_link, roles, school_visible
from ..core.database import db
from ..models import AccessCode, Link, School
from ..services import audit
from ..services.campaigns import campaign_links, generate_codes, survey_path
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
    name = quote(f"{school.code}_{link.group}.{fmt}")
    resp.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{name}"
    return resp


@bp.get("/links/<int:link_id>/notice")
@roles(*ALL_ROLES)
def notice(link_id: int):
    link, school, campaign = own_link(link_id)
    url = link_url(link)
    return render_template(
        "console/notice.html",
        campaign=campaign,
        school=school,
        group=GROUPS.get(link.group, link.group),
        url=url,
        qr=qr_svg_inline(url, scale=8),
    )


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


@bp.get("/links/<int:link_id>/slips")
@roles("admin", "coordinator")
def slips(link_id: int):
    link, school, campaign = own_link(link_id)
    codes = db.session.scalars(
        sa.select(AccessCode.code)
        .where(AccessCode.link_id == link.id, AccessCode.used_at.is_(None))
        .order_by(AccessCode.id)
    ).all()
    base = link_url(link)
    slips = [(c, qr_svg_inline(f"{base}?code={c}", scale=3)) for c in codes]
    audit.record("download.slips", f"link {link.id}", school=school.code, codes=len(codes))
    db.session.commit()
    return render_template(
        "console/slips.html",
        campaign=campaign,
        school=school,
        group=GROUPS.get(link.group, link.group),
        slips=slips,
        base=base,
    )
