"""The bureau console: campaigns, schools, targets, links and QR codes, monitoring, imports."""

from . import (  # noqa: F401  (views)
    admin,
    campaigns,
    classes,
    distribution,
    imports,
    monitor,
    operations,
    paper,
    questionnaires,
    schools,
)
from .blueprint import bp

__all__ = ["bp"]
