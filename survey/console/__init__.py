"""The bureau console: campaigns, schools, targets, links and QR codes, monitoring, imports."""

from . import admin, campaigns, distribution, imports, monitor, operations, schools  # noqa: F401  (views)
from .blueprint import bp

__all__ = ["bp"]
