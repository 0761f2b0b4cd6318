"""Database models."""

from .account import ROLES, AuditEntry, LoginAttempt, StaffSession, User
from .cache import AnalysisCache
from .campaign import (
    CLASS_GROUPS,
    COUNTY_GROUPS,
    COUNTY_WIDE,
    LINK_MODES,
    LOCATIONS,
    ORG_KINDS,
    STAGES,
    AccessCode,
    Campaign,
    County,
    Link,
    Org,
    School,
    SchoolClass,
)
from .dossier_template import DossierTemplate
from .imports import ImportDraft, ImportMapping
from .paper import EntryBatch, EntrySheet, PaperNumbers, PaperPrint
from .questionnaire import QuestionnaireDefinition
from .response import SOURCES, Response
from .tally import ResponseTally

__all__ = [
    "AnalysisCache",
    "QuestionnaireDefinition",
    "ImportDraft",
    "ImportMapping",
    "DossierTemplate",
    "EntryBatch",
    "EntrySheet",
    "PaperNumbers",
    "PaperPrint",
    "LINK_MODES",
    "ROLES",
    "AuditEntry",
    "LoginAttempt",
    "StaffSession",
    "ResponseTally",
    "User",
    "LOCATIONS",
    "ORG_KINDS",
    "Org",
    "SOURCES",
    "STAGES",
    "AccessCode",
    "Campaign",
    "County",
    "Link",
    "Response",
    "School",
    "SchoolClass",
    "CLASS_GROUPS",
    "COUNTY_GROUPS",
    "COUNTY_WIDE",
]
