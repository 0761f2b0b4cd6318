"""The console blueprint object, shared by the view modules of survey.console."""

from flask import Blueprint

from ..auth.access import writable
from ..services.round_steps import next_step, round_steps

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


@bp.app_template_global()
def campaign_writable(campaign) -> bool:
    """Whether the signed-in bureau runs this campaign (else it reads a shared one)."""
    return writable(campaign)


@bp.app_template_global()
def campaign_steps(campaign) -> dict:
    """The round's steps and the next one, for the campaign pages' guide."""
    steps = round_steps(campaign)
    return {"steps": steps, "next": next_step(steps)}
