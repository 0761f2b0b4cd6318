"""Sign-in and change-password forms."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[InputRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[InputRequired("请输入密码"), Length(max=256)])


class PasswordForm(FlaskForm):
    current = PasswordField(
        "当前密码", validators=[InputRequired("请输入当前密码"), Length(max=256)]
    )
    new = PasswordField(
        "新密码（至少10位，含大写字母、小写字母、数字、符号中的三类）",
        validators=[InputRequired("请输入新密码"), Length(max=256)],
    )
    again = PasswordField(
        "再次输入新密码",
        validators=[InputRequired("请再次输入新密码"), EqualTo("new", "两次输入的新密码不一致")],
    )


class CodeForm(FlaskForm):
    code = StringField(
        "验证码（身份验证器应用中的6位数字）",
        validators=[InputRequired("请输入6位验证码"), Length(max=12)],
    )
