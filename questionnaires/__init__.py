"""Questionnaire definitions as versioned data, and their loader."""

from .loader import TEXT_MAX, QuestionnaireError, Registry, load_file, load_registry
from .model import GROUPS, Item, Layout, Option, Questionnaire

__all__ = [
    "GROUPS",
    "TEXT_MAX",
    "Item",
    "Layout",
    "Option",
    "Questionnaire",
    "QuestionnaireError",
    "Registry",
    "load_file",
    "load_registry",
]
