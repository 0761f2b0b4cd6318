"""Chinese labels for analysis codes: the one place the console, reports, exports and CLI
take them from."""

from __future__ import annotations

METHOD_LABELS = {
    "positive_share": "认可选项占有效回答的比例",
    "respondent_mean": "每位受访者认可率的平均",
    "option_scores": "选项分值平均（百分制）",
    "overall_item": "总体满意度题认可率",
}
#: the verdict of record (the point rule: rate ≥ threshold)
VERDICT_LABELS = {"meets": "达标", "below": "未达标", "insufficient": "样本不足，不作结论"}
#: where the 95% interval stands against the threshold, beside the verdict
INTERVAL_LABELS = {
    "above": "置信区间整体在达标线以上",
    "spans": "置信区间跨越达标线",
    "under": "置信区间整体在达标线以下",
}
#: "more needed" that no bureau can act on: a rate on the line, or a target nearly reached
CLOSE_CALL = "与达标线几乎持平，增加样本也难以改变结论"
TARGET_REACHED = "在目标人数内增加样本也难以使区间离开达标线"
SCREEN_RULE_LABELS = {
    "strong": "剔除强证据答卷（推荐）",
    "none": "不剔除（全部答卷）",
    "any": "剔除任一质量标记的答卷（最严格）",
}


def interval_note(block: dict, threshold: float) -> str:
    """Where the interval stands, and how many more respondents would settle it (or why none
    realistically would), in the report's words."""
    where = INTERVAL_LABELS.get(block.get("interval_vs_threshold") or "", "")
    if block.get("interval_vs_threshold") != "spans":
        return where
    if block.get("more_needed"):
        return f"{where}，约再需 {block['more_needed']} 人可得出明确判断"
    if abs((block.get("rate") or 0) - threshold) < 0.01:
        return f"{where}，{CLOSE_CALL}"
    return f"{where}，{TARGET_REACHED}"


#: a difference between two rounds, as the bureau reads it (analysis.compare)
CHANGE_LABELS = {"improved": "提高", "worsened": "下降", "unchanged": "无明显变化"}


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


#: audit actions, as the bureau reads them
AUDIT_ACTIONS = {
    "auth.login": "登录",
    "auth.logout": "退出登录",
    "user.create": "创建用户",
    "user.password_change": "修改密码",
    "user.password_reset": "重置密码",
    "user.activate": "启用用户",
    "user.deactivate": "停用用户",
    "user.role": "修改角色",
    "user.unlock": "解除登录锁定",
    "campaign.create": "创建调查",
    "campaign.update": "修改调查设置",
    "campaign.open": "开始调查",
    "campaign.closed": "结束调查",
    "campaign.draft": "调查改为草稿",
    "campaign.purge": "清除答卷",
    "schools.import": "导入学校",
    "responses.import": "导入答卷",
    "targets.update": "修改样本目标",
    "codes.generate": "生成答题码",
    "report.view": "查看分析报告",
    "report.compare": "对比两轮调查",
    "org.create": "建立单位",
    "org.parent": "设置上级单位",
    "export.csv": "下载原始数据（CSV）",
    "export.xlsx": "下载分析结果（Excel）",
    "export.sav": "下载原始数据（SPSS）",
    "download.progress": "下载进度表",
    "download.qr_zip": "下载二维码",
    "download.slips": "打印答题码",
    "download.notices": "打印告知单",
    "download.audit": "下载操作日志",
    "audit.archive": "归档操作日志",
    "auth.totp": "验证码登录",
    "user.totp_on": "启用身份验证器",
}
AUDIT_RESULTS = {
    "ok": "成功",
    "wrong": "用户名或密码错误",
    "locked": "已锁定",
    "inactive": "账户已停用",
    "refused": "被拒绝",
    "failed": "失败",
}
#: words for the keys of an entry's details
AUDIT_FIELDS = {
    "username": "用户名",
    "role": "角色",
    "school_code": "学校代码",
    "school": "学校",
    "method": "计算方法",
    "sessions_ended": "结束的登录",
    "count": "数量",
    "codes": "答题码",
    "name": "名称",
    "fields": "修改项",
    "imported": "导入条数",
    "cells": "修改格数",
    "total": "目标合计",
    "reason": "原因",
    "via": "途径",
    "before": "修改前",
    "after": "修改后",
    "group": "群体",
    "removed": "清除份数",
    "entries": "条数",
    "up_to_id": "归档至编号",
    "last_hash": "末条哈希",
    "file": "文件",
}


def audit_detail(detail: dict | None) -> str:
    """An entry's details as Chinese words: "用户名：zhang；角色：数据分析员"."""
    if not detail:
        return ""

    def word(value) -> str:
        if isinstance(value, dict):
            return "，".join(f"{AUDIT_FIELDS.get(k, k)} {word(v)}" for k, v in value.items())
        if isinstance(value, list | tuple):
            return "、".join(word(v) for v in value)
        return "—" if value is None else str(value)

    return "；".join(f"{AUDIT_FIELDS.get(k, k)}：{word(v)}" for k, v in detail.items())
