"""Database models."""

from .campaign import LINK_MODES, LOCATIONS, STAGES, AccessCode, Campaign, County, Link, School
from .response import SOURCES, Response

__all__ = [
    "LINK_MODES",
    "LOCATIONS",
    "SOURCES",
    "STAGES",
    "AccessCode",
    "Campaign",
    "County",
    "Link",
    "Response",
    "School",
]
