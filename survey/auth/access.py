"""Who may see what in the console: roles, the county boundary, a coordinator's one school."""

from __future__ import annotations

import functools
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from ..core.database import db
from ..core.extensions import login_manager
from ..core.timeutil import utcnow
from ..models import Campaign, Link, School
from ..services.campaigns import link_with_context
from ..services.orgs import below
from . import totp

ALL_ROLES = ("admin", "coordinator", "analyst")


def roles(*allowed: str):
    """Signed-out visitors go to sign-in; signed-in users of another role get 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if password_due(current_user):  # a reset, or the bureau's maximum age
                return redirect(url_for("auth.change_password", next=request.full_path))
            if totp.required(current_user) and not current_user.totp_secret:
                return redirect(url_for("auth.totp_setup"))
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


def password_due(user) -> bool:
    """Whether the user must set a new password before anything else."""
    if user.must_change_password:
        return True
    days = current_app.config.get("PASSWORD_MAX_AGE_DAYS") or 0
    changed = user.password_changed_at or user.created_at
    return bool(days) and changed is not None and utcnow() - changed > timedelta(days=days)


def own_campaign(campaign_id: int) -> Campaign:
    """A campaign the user may see, else 404 (another bureau's campaigns do not exist): one of
    the user's own bureau, or one a bureau below shares upward, read-only (403 on a change)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    _check_reach(campaign)
    return campaign


#: what the assessed (a county and its schools in a city's or province's campaign) may open
ASSESSED_VIEWS = {"console.dashboard"}


def reach(campaign: Campaign) -> str | None:
    """'own' (the user's bureau runs it), 'shared' (a bureau below shares it upward: the
    user reads it), 'assessed' (a level above assesses the user's county and lets it follow its
    own progress) or None (not the user's to see). Decided once per request and campaign (the
    view, the school filter and the templates all ask)."""
    return _reach(campaign)[0]


def _reach(campaign: Campaign) -> tuple[str | None, list[int]]:
    """(reach, the assessed schools the user may follow) of a campaign, kept for the request."""
    known = g.setdefault("campaign_reach", {})
    if campaign.id not in known:
        known[campaign.id] = _decide_reach(campaign)
    return known[campaign.id]


def _decide_reach(campaign: Campaign) -> tuple[str | None, list[int]]:
    if campaign.county_id == current_user.county_id:
        return "own", []
    if (
        campaign.share_up
        and current_user.role in ("admin", "analyst")
        and campaign.county_id in below(current_user.county_id)
    ):
        return "shared", []
    if campaign.assessed_see_progress and current_user.county_id in below(campaign.county_id):
        # the schools of the user's county (a coordinator: their own school) in the campaign
        q = sa.select(School.id).where(
            School.campaign_id == campaign.id, School.county_id == current_user.county_id
        )
        if current_user.role == "coordinator":
            q = q.where(School.code == current_user.school_code)
        ids = list(db.session.scalars(q))
        if ids:
            return "assessed", ids
    return None, []


def writable(campaign: Campaign) -> bool:
    return reach(campaign) == "own"


def _check_reach(campaign: Campaign) -> None:
    found = reach(campaign)
    if found is None:
        abort(404)
    if found == "shared" and request.method not in ("GET", "HEAD"):
        abort(403)  # the level above reads; only the campaign's own bureau changes it
    if found == "assessed" and (
        request.endpoint not in ASSESSED_VIEWS or request.method not in ("GET", "HEAD")
    ):
        abort(403)  # the assessed follow their counts; answers, rates and files are not theirs


def school_visible(school: School) -> bool:
    return current_user.role != "coordinator" or school.code == current_user.school_code


def own_school(campaign: Campaign, school_id: int) -> School:
    school = db.session.get(School, school_id)
    if school is None or school.campaign_id != campaign.id:
        abort(404)
    if not school_visible(school):
        abort(403)
    return school


def own_link(link_id: int) -> tuple[Link, School, Campaign]:
    row = link_with_context(Link.id == link_id)
    if row is None:
        abort(404)
    _check_reach(row.Campaign)
    if not school_visible(row.School):
        abort(403)
    return row.Link, row.School, row.Campaign


def visible_school_ids(campaign: Campaign) -> list[int] | None:
    """None for everyone who sees the whole campaign; the coordinator's school ids, or the
    assessed county's (or its coordinator's) in a campaign a level above runs."""
    found, assessed = _reach(campaign)
    if found == "assessed":
        return assessed
    if current_user.role != "coordinator":
        return None
    return list(
        db.session.scalars(
            sa.select(School.id).where(
                School.campaign_id == campaign.id, School.code == current_user.school_code
            )
        )
    )
