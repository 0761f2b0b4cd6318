"""The password policy (等保 2.0 level 2: complexity; periodic change where a bureau wants it)."""

from __future__ import annotations

import string

MIN_LENGTH = 10
CLASSES = (
    ("小写字母", set(string.ascii_lowercase)),
    ("大写字母", set(string.ascii_uppercase)),
    ("数字", set(string.digits)),
)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused (Chinese), or None: at least MIN_LENGTH characters, at
    least three of lower case, upper case, digits and other characters, and not containing the
    user name."""
    if len(password) < MIN_LENGTH:
        return f"密码至少{MIN_LENGTH}位"
    if len(password) > 128:
        return "密码不超过128位"
    kinds = sum(1 for _, chars in CLASSES if chars & set(password))
    kinds += any(not (c.isascii() and c.isalnum()) for c in password)
    if kinds < 3:
        return "密码须包含大写字母、小写字母、数字和符号中的至少三类"
    name = username.strip().lower()
    if len(name) >= 3 and name in password.lower():
        return "密码不能包含用户名"
    return None
