"""Staff sign-in."""

from .routes import bp

__all__ = ["bp"]
