"""Imports of schools and of paper or external responses: all rows or none."""
