"""The console blueprint object, shared by the view modules of survey.console."""

from flask import Blueprint

from ..auth.access import reach
from ..services.round_steps import next_step, round_steps

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


@bp.app_template_global()
def campaign_reach(campaign) -> str | None:
    """'own', 'shared' (read from above) or 'assessed' (own progress only)."""
    return reach(campaign)


@bp.app_template_global()
def campaign_steps(campaign) -> dict:
    """The round's steps and the next one, for the campaign pages' guide."""
    steps = round_steps(campaign)
    return {"steps": steps, "next": next_step(steps)}
