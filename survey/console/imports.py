"""Import paper or external responses."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from ..auth.access import own_campaign, roles
from ..core.database import db
from ..importing.responses import import_responses
from ..services import audit
from .blueprint import bp
from .forms import ResponseUploadForm


@bp.route("/campaigns/<int:campaign_id>/responses/import", methods=["GET", "POST"])
@roles("admin")
def import_responses_view(campaign_id: int):
    campaign = own_campaign(campaign_id)
    form = ResponseUploadForm()
    problems = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        result = import_responses(campaign, upload.filename or "", upload.read(), form.source.data)
        if result.ok:
            audit.record(
                "responses.import",
                f"campaign {campaign.id}",
                file=upload.filename,
                source=form.source.data,
                rows=result.imported,
            )
            db.session.commit()
            flash(f"导入成功：{result.imported} 份答卷。")
            return redirect(url_for(".dashboard", campaign_id=campaign.id))
        db.session.rollback()
        problems, status = result.problems, 422
    elif form.errors:
        status = 400
    return render_template(
        "console/import_responses.html", campaign=campaign, form=form, problems=problems
    ), status
