"""Analysis report and exports."""

from .routes import bp

__all__ = ["bp"]
