"""The respondent side: the survey page a parent opens from a QR code."""

from .routes import bp

__all__ = ["bp"]
