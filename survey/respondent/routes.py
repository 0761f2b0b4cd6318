"""Respondent views: serve a link's questionnaire, take its answers once, thank."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.http import http_date

from questionnaires.model import BASE_LANGUAGE, LANGUAGES

from ..core.database import db
from ..core.metrics import SUBMITTED
from ..core.parsing import whole_number
from ..core.privacy import request_address_hash, request_network_hash
from ..core.timeutil import format_local, utcnow
from ..models import AccessCode
from ..services.responses import CodeAlreadyUsed, store_response
from ..web.language import choose, gettext
from ..web.language import current as current_language
from . import page_cache, throttle
from . import ticket as tickets
from .answers import AnswerSheet, read_sheet, visible_options
from .links import LinkContext, load_link

bp = Blueprint("respondent", __name__)

#: the page script's words (survey.js), in the page's language; %1 and %2 are its numbers
SCRIPT_WORDS = {
    "answered": "已答 %1 / %2 题",
    "left": "还有 %1 题没有作答，请查看标红的题目。",
    "leftLong": "还有 %1 题没有作答或需要修改，请查看下面标红的题目。您已选的答案都已保留。",
    "choose": "请选择一项",
    "sending": "正在提交…",
    "again": "再次提交",
    "busy": "系统繁忙，答案已保存在本机，",
    "offline": "网络连接中断，答案已保存在本机，",
    "retry": "%1 秒后自动再次提交，也可以现在点“再次提交”。",
    "big": "大字",
    "normal": "标准字",
}


def message_page(kind: str, status: int, **context):
    """A short page in the page's language: thanks, already submitted, closed, not found,
    errors. Never cached: a campaign re-opened must not keep showing 调查已结束."""
    html = render_template("respondent/message.html", kind=kind, **context)
    return Response(html, status, headers={"Cache-Control": "no-store"}, mimetype="text/html")


def render_form(
    ctx: LinkContext,
    sheet: AnswerSheet,
    ticket: str,
    status: int = 200,
    notice: str | None = None,
    fresh: bool = False,
):
    """The questionnaire page, showing a sheet's answers and what needs fixing."""
    q = ctx.questionnaire
    return render_template(
        "respondent/form.html",
        t=ctx,
        q=q,
        languages=[(c, LANGUAGES[c][0]) for c in ctx.languages],
        script_words={k: gettext(v) for k, v in SCRIPT_WORDS.items()},
        sheet=sheet,
        items=[(item, visible_options(item, ctx.groups, ctx.school.stage)) for item in q.items],
        missing=sum(1 for item in q.items if item.code in sheet.errors),
        notice=notice,
        fresh=fresh,
        ticket=ticket,
        required_count=sum(1 for i in q.items if i.required),
    ), status


def closed_page(ctx: LinkContext):
    state = ctx.campaign.state()
    opens_at = ctx.campaign.opens_at
    # a start time is shown only while it lies ahead: a draft past its date has none
    opens = format_local(opens_at) if opens_at and opens_at > utcnow() else None
    return message_page(
        "not_open" if opens or state == "draft" else "closed",
        410,
        campaign=ctx.campaign,
        opens=opens,
    )


@dataclass(frozen=True)
class Answered:
    """What a phone's cookie for a link says: its last stored sheet's number and id."""

    sheet: int
    submission_id: str


def answered_here(ctx: LinkContext) -> Answered | None:
    """The phone's last sheet for this link (cookie `sv<link id>`: `<sheet>.<id>`, or the id
    alone as set before sheets were numbered), or None."""
    value = request.cookies.get(ctx.cookie_name)
    if not value:
        return None
    number, _, sid = value.rpartition(".")
    return Answered(whole_number(number) or 0, sid)


def may_add_sheet(ctx: LinkContext, done: Answered | None) -> bool:
    """Whether another person may still answer on this phone (open links only)."""
    limit = current_app.config["SHEETS_PER_PHONE"]
    return not ctx.code_mode and done is not None and done.sheet + 1 < limit


@bp.get("/s/<token>")
def survey(token: str):
    throttle.hit("RATE_PAGE_PER_ADDRESS", request.remote_addr or "")
    ctx = load_link(token)
    choose(ctx.languages)
    if ctx.campaign.state() != "open":
        return closed_page(ctx)
    done = None if ctx.code_mode else answered_here(ctx)
    sheet = 0
    if done is not None:
        if request.args.get("another") != "1" or not may_add_sheet(ctx, done):
            return already_page(ctx, done, 200)
        sheet = done.sheet + 1  # another person on the same phone: a new sheet of its own
    sent = tickets.browser_key(request)
    key = sent or tickets.new_key()
    ticket = tickets.issue(ctx.link.id, ctx.questionnaire.version, key, sheet)
    code = (request.args.get("code") or "").strip().upper()[:16] if ctx.code_mode else ""
    if sheet:
        notice = gettext(
            "您正在为另一位%(group)s填写一份新的问卷，请由本人作答。",
            group=gettext(ctx.group_label),
        )
        resp = make_response(render_form(ctx, AnswerSheet(), ticket, notice=notice, fresh=True))
    elif code:  # a slip's QR code fills in its access code: render this one afresh
        resp = make_response(render_form(ctx, AnswerSheet(access_code=code), ticket))
    else:
        resp = _blank_page_response(ctx, ticket)
    return _with_key(resp, key, sent)


def already_page(ctx: LinkContext, done: Answered | None, status: int):
    return message_page(
        "already",
        status,
        campaign=ctx.campaign,
        token=ctx.link.token,
        another=may_add_sheet(ctx, done),
        group=ctx.group_label,
    )


def _blank_page_response(ctx: LinkContext, ticket: str) -> Response:
    """The cached blank page of a link with this ticket, gzipped when the client takes it."""
    cache_key = _page_key(ctx)
    page = page_cache.get(cache_key)
    if page is None:
        html, _ = render_form(ctx, AnswerSheet(), page_cache.TICKET_MARK)
        page = page_cache.Page.build(html)
        if page is None:  # the template lost its ticket field: never serve a page without it
            raise RuntimeError("survey page has no ticket placeholder")
        page_cache.put(cache_key, page)
    if _accepts_gzip():
        body, headers = page.gzipped(ticket), [("Content-Encoding", "gzip")]
    else:
        body, headers = page.html(ticket), []
    headers.append(("Vary", "Accept-Encoding"))
    return Response(body, headers=headers, mimetype="text/html")


def _accepts_gzip() -> bool:
    """Whether the client takes gzip; the header is parsed in full only when it weighs codings
    (`q=`) or does not name gzip (`*`)."""
    header = request.headers.get("Accept-Encoding", "")
    if "gzip" in header and "q=" not in header:
        return True
    return request.accept_encodings["gzip"] > 0


def _with_key(resp: Response, key: str, sent_key: str | None) -> Response:
    """A form page is never cached; a browser without a key gets the one its ticket holds."""
    resp.headers["Cache-Control"] = "no-store"
    if key != sent_key:  # kept as long as a served form stays submittable
        _set_cookie(resp, tickets.KEY_COOKIE, key, current_app.config["TICKET_MAX_AGE"], "/s/")
    return resp


def _set_cookie(resp: Response, name: str, value: str, max_age: int, path: str) -> None:
    """A survey cookie: HttpOnly, SameSite=Lax, Secure over HTTPS; its Expires date (for
    browsers that ignore Max-Age) formatted once a second, not once a cookie."""
    secure = request.is_secure or bool(current_app.config["SESSION_COOKIE_SECURE"])
    expires = _http_date(int(time.time()) + max_age)
    resp.set_cookie(
        name,
        value,
        max_age=max_age,
        expires=expires,
        path=path,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


#: an Expires date per epoch second: the few cookies set within one second share it
_http_date = lru_cache(maxsize=8)(http_date)


def _page_key(ctx: LinkContext) -> tuple:
    """Everything the blank page shows, so that an edit (a renamed school, a new
    questionnaire version, another layout) yields a new page."""
    q, c = ctx.questionnaire, ctx.campaign
    return (
        ctx.link.token,
        current_language(),
        q.code,
        q.version,
        c.name,
        ctx.school.name,
        ctx.school.stage,
        c.link_mode,
        ctx.groups,
    )


@bp.post("/s/<token>")  # guarded by the ticket's browser key: see ticket.py
def submit(token: str):
    throttle.hit("RATE_SUBMIT_PER_LINK", token[:40])  # a flood of one link stops here
    throttle.hit("RATE_SUBMIT_PER_ADDRESS", request.remote_addr or "")
    first = load_link(token)
    ticket = tickets.read(request.form.get("ticket"), first.link.id)
    if ticket and ticket.version != first.questionnaire.version:
        ctx = load_link(token, ticket.version)  # answered on an older version of the form
    else:
        ctx = first
    lang = choose(ctx.languages)
    if ctx.campaign.state() != "open":
        return closed_page(ctx)
    sheet = read_sheet(ctx.questionnaire, ctx.groups, request.form, ctx.code_mode, ctx.school.stage)
    key = tickets.browser_key(request)
    if request.form.get("switch_lang") in ctx.languages:  # a language button: nothing stored
        shown = AnswerSheet(data=sheet.data, access_code=sheet.access_code)
        return _form_again(ctx, shown, ticket, key, 200)
    if ticket is None or key is None or ticket.key != key:
        return _refused(ctx, sheet, ticket, key)
    if not ctx.code_mode:
        # a phone sends its next sheet, or again the one it sent (a retry); nothing else
        done = answered_here(ctx)
        fits = (
            done is None
            or ticket.submission_id == done.submission_id
            or ticket.sheet == done.sheet + 1
        )
        if ticket.sheet >= current_app.config["SHEETS_PER_PHONE"] or not fits:
            return already_page(ctx, done, 409)
    if not sheet.ok:
        SUBMITTED["invalid"].inc()
        return render_form(ctx, sheet, request.form["ticket"], 422)

    code = None
    if ctx.code_mode:
        code = db.session.scalar(
            sa.select(AccessCode).where(
                AccessCode.code == sheet.access_code, AccessCode.link_id == ctx.link.id
            )
        )
        if code is None:
            sheet.errors["access_code"] = "答题码不正确，请核对纸条上的答题码"
            return render_form(ctx, sheet, request.form["ticket"], 422)
    try:
        stored = store_response(
            link=ctx.link,
            questionnaire=ctx.questionnaire,
            answers=sheet.answers(),
            submission_id=ticket.submission_id,
            started_at=ticket.started_at,
            network=request_network_hash(),
            address=request_address_hash(),
            access_code=code,
            language=lang,
        )
    except CodeAlreadyUsed:
        return message_page("code_used", 409, campaign=ctx.campaign)
    except (sa.exc.OperationalError, sa.exc.InternalError) as exc:  # down, read-only, full
        return _not_saved(ctx, sheet, exc)
    SUBMITTED["stored" if stored.created else "retry"].inc()
    resp = redirect(
        url_for(".thanks", token=token, lang=None if lang == BASE_LANGUAGE else lang), 303
    )
    _set_cookie(
        resp,
        ctx.cookie_name,
        f"{ticket.sheet}.{ticket.submission_id}",
        current_app.config["RESPONSE_COOKIE_DAYS"] * 86400,
        f"/s/{token}",
    )
    return resp


@bp.get("/s/<token>/thanks")
def thanks(token: str):
    ctx = load_link(token)
    choose(ctx.languages)
    return message_page(
        "thanks",
        200,
        campaign=ctx.campaign,
        token=token,
        another=may_add_sheet(ctx, answered_here(ctx)),
        group=ctx.group_label,
    )


def _not_saved(ctx: LinkContext, sheet, exc: Exception):
    """The database could not take the answers: the form again with every answer kept and the
    same ticket (a later submit is still counted once), 503 with Retry-After; the page's script
    submits it again by itself after a pause. The log names the cause."""
    db.session.rollback()
    current_app.logger.error("Answer not stored, the database refused it: %s", exc.orig)
    SUBMITTED["unavailable"].inc()
    notice = gettext(
        "系统暂时无法保存答卷，您的答案都已保留。请稍后再点“提交”（页面也会自动重试）。"
    )
    html, status = render_form(ctx, sheet, request.form["ticket"], 503, notice=notice)
    return Response(html, status, headers={"Retry-After": "10"}, mimetype="text/html")


def _refused(ctx: LinkContext, sheet, ticket: tickets.Ticket | None, key: str | None):
    """A submit without a valid ticket for this browser (stale, forged, or a cross-site post):
    400 with every answer kept and a fresh ticket."""
    if ticket is None:
        notice = gettext("页面信息已失效，您的选择已保留，请核对后再次提交。")
    else:
        notice = gettext("页面已过期或不完整，您的选择已保留，请核对后再次提交。")
    return _form_again(ctx, sheet, ticket, key, 400, notice)


def _form_again(
    ctx: LinkContext,
    sheet: AnswerSheet,
    ticket: tickets.Ticket | None,
    key: str | None,
    status: int,
    notice: str | None = None,
):
    """The form once more with the sheet's answers, on a ticket for this browser's key (one is
    given to a browser without). A genuine ticket keeps its submission id, so a form that was
    in fact stored is not stored twice when sent again; in the language a button asked for
    (the way to switch without the page script), or with a notice of what went wrong."""
    new_key = key or tickets.new_key()
    if ticket is None:
        fresh = tickets.issue(ctx.link.id, ctx.questionnaire.version, new_key)
    else:
        fresh = tickets.reissue(ticket, new_key)
    page = render_form(ctx, sheet, fresh, status, notice=notice, fresh=True)
    return _with_key(make_response(page), new_key, key)
