"""The console blueprint object, shared by the view modules of survey.console."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")
