"""Respondent views: serve a link's questionnaire, take its answers once, thank."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import generate_csrf

from questionnaires import Questionnaire

from ..campaigns import link_with_context, registry
from ..extensions import db, limiter
from ..models import AccessCode, Campaign, Link, School
from ..privacy import request_network_hash
from ..responses import CodeAlreadyUsed, store_response
from ..timeutil import format_local
from . import page_cache
from . import ticket as tickets
from .forms import answers_from, form_class, visible_options

bp = Blueprint("respondent", __name__, template_folder="templates")


@dataclass
class Target:
    link: Link
    school: School
    campaign: Campaign
    questionnaire: Questionnaire

    @property
    def code_mode(self) -> bool:
        return self.campaign.link_mode == "code"

    @property
    def groups(self) -> frozenset[str]:
        forms = self.campaign.forms
        return frozenset(g for g in self.campaign.groups if forms.get(g) == self.questionnaire.code)

    @property
    def cookie_name(self) -> str:
        return f"sv{self.link.id}"

    def form_class(self):
        return form_class(self.questionnaire, self.groups, self.code_mode)


def load_target(token: str, version: int | None = None) -> Target:
    """The link behind a token with its school, campaign and questionnaire, or 404."""
    if len(token) > 40:
        abort(404)
    row = link_with_context(Link.token == token)
    if row is None:
        abort(404)
    link, school, campaign = row
    code = campaign.forms.get(link.group)
    q = registry().get(code, version) or registry().get(code)
    if q is None:
        abort(404)
    return Target(link, school, campaign, q)


def message_page(kind: str, status: int, **context):
    """A short Chinese page: thanks, already submitted, closed, not found, errors."""
    return render_template("respondent/message.html", kind=kind, **context), status


def render_form(target: Target, form, status: int = 200, notice: str | None = None):
    q = target.questionnaire
    items = [(item, visible_options(item, target.groups), form[item.code]) for item in q.items]
    missing = sum(1 for item in q.items if form[item.code].errors)
    return render_template(
        "respondent/form.html",
        t=target,
        q=q,
        form=form,
        items=items,
        missing=missing,
        notice=notice,
        required_count=sum(1 for i in q.items if i.required),
    ), status


def closed_page(target: Target):
    state = target.campaign.state()
    opens = format_local(target.campaign.opens_at) if state in ("scheduled", "draft") else None
    return message_page(
        "not_open" if opens or state == "draft" else "closed",
        410,
        campaign=target.campaign,
        opens=opens,
    )


def _limit(name: str):
    return lambda: current_app.config[name]


def _link_key() -> str:
    return "link:" + ((request.view_args or {}).get("token") or "")


@bp.get("/s/<token>")
@limiter.limit(_limit("RATE_PAGE_PER_ADDRESS"))
def survey(token: str):
    target = load_target(token)
    if target.campaign.state() != "open":
        return closed_page(target)
    if not target.code_mode and request.cookies.get(target.cookie_name):
        return message_page("already", 200, campaign=target.campaign)
    session.permanent = True
    ticket = tickets.issue(target.link.id, target.questionnaire.version)
    code = (request.args.get("code") or "").strip().upper()[:16] if target.code_mode else ""
    if code:  # a slip's QR code fills in its access code: render this one afresh
        form = target.form_class()(formdata=None)
        form.ticket.data = ticket
        form.access_code.data = code
        return render_form(target, form)
    key = _page_key(target)
    page = page_cache.get(key)
    if page is None:
        form = target.form_class()(formdata=None)
        form.ticket.data = page_cache.TICKET_MARK
        form.csrf_token.current_token = page_cache.CSRF_MARK
        page, _ = render_form(target, form)
        page_cache.put(key, page)
    return page_cache.fill(page, generate_csrf(), ticket)


def _page_key(target: Target) -> tuple:
    """Everything the blank page shows, so that an edit (a renamed school, a new
    questionnaire version, another layout) yields a new page."""
    q, c = target.questionnaire, target.campaign
    return (
        target.link.token,
        q.code,
        q.version,
        c.name,
        target.school.name,
        c.link_mode,
        target.groups,
    )


@bp.post("/s/<token>")
@limiter.limit(_limit("RATE_SUBMIT_PER_ADDRESS"))
@limiter.limit(_limit("RATE_SUBMIT_PER_LINK"), key_func=_link_key)
def submit(token: str):
    probe = load_target(token)
    ticket = tickets.read(request.form.get("ticket"), probe.link.id)
    if ticket and ticket.version != probe.questionnaire.version:
        target = load_target(token, ticket.version)  # answered on an older version of the form
    else:
        target = probe
    if target.campaign.state() != "open":
        return closed_page(target)
    form = target.form_class()()
    if ticket is None:
        form.validate()
        form.ticket.data = tickets.issue(target.link.id, target.questionnaire.version)
        return render_form(
            target, form, 400, notice="页面信息已失效，您的选择已保留，请核对后再次提交。"
        )
    if not target.code_mode and request.cookies.get(target.cookie_name) not in (
        None,
        ticket.submission_id,
    ):
        return message_page("already", 409, campaign=target.campaign)
    if not form.validate():
        return render_form(target, form, 422)

    code = None
    if target.code_mode:
        code = db.session.scalar(
            sa.select(AccessCode).where(
                AccessCode.code == form.access_code.data, AccessCode.link_id == target.link.id
            )
        )
        if code is None:
            form.access_code.errors = ["答题码不正确，请核对纸条上的答题码"]
            return render_form(target, form, 422)
    try:
        store_response(
            link=target.link,
            questionnaire=target.questionnaire,
            answers=answers_from(form, target.questionnaire),
            submission_id=ticket.submission_id,
            started_at=ticket.started_at,
            network=request_network_hash(),
            access_code=code,
        )
    except CodeAlreadyUsed:
        return message_page("code_used", 409, campaign=target.campaign)
    resp = make_response(redirect(url_for(".thanks", token=token), 303))
    resp.set_cookie(
        target.cookie_name,
        ticket.submission_id,
        max_age=current_app.config["RESPONSE_COOKIE_DAYS"] * 86400,
        path=f"/s/{token}",
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return resp


@bp.get("/s/<token>/thanks")
def thanks(token: str):
    target = load_target(token)
    return message_page("thanks", 200, campaign=target.campaign, token=token)


def csrf_failed():
    """A form posted without a valid CSRF token: 400, with every answer kept on the page."""
    token = (request.view_args or {}).get("token", "")
    target = load_target(token)
    if target.campaign.state() != "open":
        return closed_page(target)
    form = target.form_class()()
    form.validate()
    form.csrf_token.errors = []
    old = tickets.read(request.form.get("ticket"), target.link.id)
    form.ticket.data = (
        request.form.get("ticket")
        if old
        else tickets.issue(target.link.id, target.questionnaire.version)
    )
    return render_form(
        target, form, 400, notice="页面已过期或不完整，您的选择已保留，请核对后再次提交。"
    )
