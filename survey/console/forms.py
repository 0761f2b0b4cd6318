"""Console forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from questionnaires import GROUPS
from questionnaires.model import LANGUAGES

from ..auth.passwords import password_problem
from ..models import LINK_MODES, ROLES
from ..web.labels import METHOD_LABELS, SCREEN_RULE_LABELS

#: the campaign form's method choices, the default named as such
METHODS = {
    code: f"{label}（默认）" if code == "positive_share" else label
    for code, label in METHOD_LABELS.items()
}


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from a mapping or (value, label) pairs."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


_GROUP_BY_LABEL = {
    **{v: k for k, v in GROUPS.items()},
    **{k: k for k in GROUPS},
    "人大代表": "deputy",
    "政协委员": "deputy",
    "群众": "public",
}


def parse_weights(text: str) -> dict[str, float] | None:
    """'家长=0.4, 学生=0.2' (or parent=0.4) as {'parent': 0.4, ...}; empty -> None."""
    text = text.replace("，", ",").replace("＝", "=").replace("：", "=").replace(":", "=")
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        group = _GROUP_BY_LABEL.get(name.strip())
        if group is None:
            raise ValueError(f"不认识的群体“{name.strip()}”")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"“{part}”的权重不是数字") from None
        if not 0 <= weight <= 100:
            raise ValueError(f"“{part}”的权重应在0到100之间")
        out[group] = weight
    if out and sum(out.values()) <= 0:
        raise ValueError("权重之和必须大于0")
    return out or None


def format_weights(weights: dict | None) -> str:
    return ", ".join(f"{GROUPS.get(g, g)}={w:g}" for g, w in (weights or {}).items())


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(FlaskForm):
    name = StringField("调查名称", validators=[InputRequired("请填写名称"), Length(max=200)])
    slug = StringField(
        "短名（用于命令行，可留空）",
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[a-z0-9-]+$", message="只能用小写字母、数字和-"),
        ],
    )
    layout = SelectField("问卷方案")
    groups = MultiCheckboxField("调查群体", choices=choices(GROUPS))
    languages = MultiCheckboxField(
        "问卷语言（简体中文必选；其他语言只用于已有该语言译文的问卷）",
        choices=choices((code, name) for code, (name, _) in LANGUAGES.items()),
        default=["zh-Hans"],
    )
    opens_at = DateTimeLocalField(
        "开始时间（北京时间）", validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    closes_at = DateTimeLocalField(
        "结束时间（北京时间）", validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    link_mode = SelectField("链接方式", choices=choices(LINK_MODES))
    threshold = DecimalField(
        "达标线（%）",
        places=1,
        default=85,
        validators=[
            InputRequired("请填写达标线"),
            NumberRange(50, 100, "达标线应在50%%到100%%之间"),
        ],
    )
    method = SelectField("认可度计算方法", choices=choices(METHODS))
    group_weights = StringField(
        "群体权重（可留空）",
        validators=[Optional(), Length(max=300)],
        description="如 家长=0.4, 学生=0.2, 教师=0.2, 社会公众=0.2；留空则只按群体分别判定。",
    )
    poststratify = BooleanField("学生、家长答卷按学校在校生数加权")
    screen_rule = SelectField(
        "数据质量筛查规则（主要结果）", choices=choices(SCREEN_RULE_LABELS), default="strong"
    )
    min_cell = IntegerField(
        "最小显示人数",
        default=5,
        validators=[InputRequired("请填写最小显示人数"), NumberRange(1, 100, "应在1到100之间")],
    )
    min_verdict_n = IntegerField(
        "得出结论所需最少人数",
        default=10,
        validators=[InputRequired("请填写人数"), NumberRange(3, 1000, "应在3到1000之间")],
    )
    speed_floor = IntegerField(
        "答题过快阈值（秒）",
        default=30,
        validators=[InputRequired("请填写阈值"), NumberRange(0, 3600, "应在0到3600之间")],
    )

    county_links = BooleanField(
        "人大代表、政协委员和社会公众使用全县统一链接（不按学校分发）", default=True
    )
    share_up = BooleanField("向上级（市、省）教育行政部门共享本次调查（只读）")
    assessed_see_progress = BooleanField("被评估的区县和学校可查看本县、本校的答卷进度（只有数量）")
    organiser = StringField(
        "主办单位（告知单落款，可留空）",
        validators=[Optional(), Length(max=120, message="不超过120字")],
        description="留空则为“本县名称+教育局”。",
    )
    contact = StringField(
        "联系方式（印在告知单上，可留空）",
        validators=[Optional(), Length(max=200, message="不超过200字")],
        description="如：县教育局督导室 0355-1234567（工作日 8:30-17:30）",
    )
    purpose = TextAreaField(
        "调查说明（印在告知单上，可留空）",
        validators=[Optional(), Length(max=500, message="不超过500字")],
    )
    code_margin = IntegerField(
        "答题码余量（%）",
        default=20,
        validators=[Optional(), NumberRange(0, 200, "应在0到200之间")],
        description="按目标数生成答题码时多生成的比例，备用于丢失或写错的纸条。",
    )

    def validate_groups(self, field):
        if not field.data:
            raise ValidationError("至少选择一个群体")

    def validate_group_weights(self, field):
        try:
            field.parsed = parse_weights(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError("结束时间应晚于开始时间")


class UploadForm(FlaskForm):
    file = FileField("文件（.xlsx 或 .csv）", validators=[FileRequired("请选择文件")])


class XLSFormUploadForm(FlaskForm):
    file = FileField("XLSForm 文件（.xlsx）", validators=[FileRequired("请选择文件")])
    code = StringField(
        "问卷代码（可留空，默认取 settings 表的 form_id）",
        validators=[
            Optional(),
            Regexp(r"^[a-z][a-z0-9_]{0,39}$", message="小写字母开头，只用小写字母、数字和下划线"),
        ],
    )


class ResponseUploadForm(UploadForm):
    source = SelectField(
        "来源",
        choices=choices(
            [
                ("paper", "纸质问卷录入"),
                ("import", "其他问卷平台导出（按本系统的列）"),
                ("wjx", "问卷星导出的答卷数据（Excel 或 CSV）"),
            ]
        ),
    )


class CalculatorForm(FlaskForm):
    class Meta:
        csrf = False  # a GET preview; applying it is a separate POST

    way = SelectField(
        "方法", choices=choices([("calculator", "样本量公式"), ("permille", "常住人口1.5‰")])
    )
    margin = DecimalField(
        "允许误差（±）",
        places=3,
        default=0.05,
        validators=[Optional(), NumberRange(0.01, 0.2, "误差应在0.01到0.2之间")],
    )
    confidence = SelectField(
        "置信度",
        choices=choices([("0.95", "95%"), ("0.9", "90%"), ("0.99", "99%")]),
        default="0.95",
    )
    expected = DecimalField(
        "预期认可度",
        places=2,
        default=0.85,
        validators=[Optional(), NumberRange(0.5, 0.99, "应在0.5到0.99之间")],
    )
    population = IntegerField(
        "全县常住人口（1.5‰方法）",
        validators=[Optional(), NumberRange(1000, 50_000_000, "请填写1000到5000万之间的人数")],
    )


class CodesForm(FlaskForm):
    count = IntegerField(
        "生成数量",
        default=50,
        validators=[InputRequired("请填写数量"), NumberRange(1, 2000, "一次可生成1到2000个")],
    )


class UserForm(FlaskForm):
    username = StringField(
        "用户名",
        validators=[
            InputRequired("请填写用户名"),
            Length(3, 64, "3到64个字符"),
            Regexp(r"^[A-Za-z0-9_.@-]+$", message="只能用字母、数字和 _ . @ -"),
        ],
    )
    password = PasswordField(
        "初始密码", validators=[InputRequired("请填写密码"), Length(10, 128, "密码至少10位")]
    )
    role = SelectField("角色", choices=choices(ROLES))
    school_code = StringField("学校代码（学校联络员必填）", validators=[Optional(), Length(max=32)])

    def validate_school_code(self, field):
        if self.role.data == "coordinator" and not (field.data or "").strip():
            raise ValidationError("学校联络员必须指定学校代码")

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.username.data or "")
        if problem:
            raise ValidationError(problem)
