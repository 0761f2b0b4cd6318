"""Parameter checks shared by every command: a NUL never reaches a file call or the database."""

from __future__ import annotations

import functools

import click


class FilePath(click.Path):
    """click.Path that answers a NUL in a file name with a usage error, not a traceback."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and "\x00" in value:
            self.fail("文件名中不能有空字符（NUL）", param, ctx)
        return super().convert(value, param, ctx)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (tuple, list)):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul(cmd: click.Command) -> click.Command:
    """A NUL in any argument is a usage error (PostgreSQL refuses it in text), never a traceback."""
    callback = cmd.callback

    @functools.wraps(callback)
    def guarded(*args, **kwargs):
        if any(_has_nul(v) for v in (*args, *kwargs.values())):
            raise click.UsageError("参数中不能有空字符（NUL）")
        return callback(*args, **kwargs)

    cmd.callback = guarded
    return cmd
