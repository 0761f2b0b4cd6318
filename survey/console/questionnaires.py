"""Questionnaires: every definition served, each downloadable as XLSForm, and a new version
imported from an XLSForm (by the admins of the top of the tree: a form serves every bureau)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from questionnaires.model import LANGUAGES
from questionnaires.xlsform import XLSFormError, write_xlsform

from ..auth.access import roles
from ..core.database import db
from ..services.campaigns import registry
from ..services.definitions import import_xlsform
from .blueprint import bp
from .forms import XLSFormUploadForm


def may_import() -> bool:
    """Forms serve every bureau of the installation: only the top bureau's admins change them."""
    return current_user.role == "admin" and current_user.county.parent_id is None


@bp.get("/questionnaires")
@roles("admin", "analyst")
def questionnaires():
    return _page(XLSFormUploadForm(), None)


@bp.post("/questionnaires")
@roles("admin")
def import_questionnaire():
    if not may_import():
        abort(403)
    form = XLSFormUploadForm()
    if not form.validate_on_submit():
        return _page(form, None, 400)
    upload = form.file.data
    try:
        q = import_xlsform(registry(), upload.read(), form.code.data or None)
    except XLSFormError as exc:
        db.session.rollback()
        return _page(form, exc.problems, 422)
    db.session.commit()
    flash(f"已导入问卷 {q.code} 第 {q.version} 版：{q.title}。")
    return redirect(url_for(".questionnaires"))


def _page(form: XLSFormUploadForm, problems, status: int = 200):
    reg = registry()
    return render_template(
        "console/questionnaires.html",
        versions=sorted(reg.versions.values(), key=lambda q: (q.code, -q.version)),
        languages=LANGUAGES,
        form=form,
        problems=problems,
        may_import=may_import(),
    ), status


@bp.get("/questionnaires/<code>/v<int:version>.xlsx")
@roles("admin", "analyst")
def questionnaire_xlsform(code: str, version: int):
    q = registry().get(code, version)
    if q is None:
        abort(404)
    name = quote(f"{q.code}.v{q.version}.xlsx")
    return Response(
        write_xlsform(q),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )
