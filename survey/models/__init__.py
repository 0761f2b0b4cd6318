"""Database models."""

from .account import ROLES, AuditEntry, LoginAttempt, StaffSession, User
from .campaign import LINK_MODES, LOCATIONS, STAGES, AccessCode, Campaign, County, Link, School
from .response import SOURCES, Response
from .tally import ResponseTally

__all__ = [
    "LINK_MODES",
    "ROLES",
    "AuditEntry",
    "LoginAttempt",
    "StaffSession",
    "ResponseTally",
    "User",
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
