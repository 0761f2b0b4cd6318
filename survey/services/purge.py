"""Remove a finished campaign's individual answers, keeping its aggregates.

After the assessment the bureau no longer needs each respondent's answer sheet, and keeping
it is a privacy risk. A purge keeps what the dossier needs: the hourly tallies per school and
group (response counts and progress), and the full analysis document computed just before
the answers go, which the report shows from then on. It is logged in the audit log.
"""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from flask import current_app

from ..core.database import db
from ..core.timeutil import utcnow
from ..models import (
    AnalysisCache,
    AuditEntry,
    Campaign,
    EntryBatch,
    EntrySheet,
    ImportDraft,
    Response,
)
from ..reports.data import AnalysisError, json_safe, run_analysis
from . import audit


class PurgeRefused(Exception):
    """The campaign cannot be purged (still open, or already purged); the message says why."""


def purge_answers(campaign: Campaign) -> int:
    """Keep the final report, delete every response of a closed campaign; commit. Returns
    how many answer sheets were removed."""
    if campaign.purged_at is not None:
        raise PurgeRefused("本次调查的答卷已经清除过。")
    if campaign.status != "closed":
        raise PurgeRefused("只能清除已关闭调查的答卷，请先关闭调查。")
    _wait_for_every_worker(campaign)
    try:
        report = json_safe(run_analysis(campaign))
    except AnalysisError:
        report = None  # nothing analysable (e.g. no answers): keep the tallies only
    json.dumps(report, allow_nan=False)  # fails here, not half-way through the delete
    removed = db.session.execute(
        sa.delete(Response).where(Response.campaign_id == campaign.id)
    ).rowcount
    db.session.execute(sa.delete(AnalysisCache).where(AnalysisCache.campaign_id == campaign.id))
    db.session.execute(sa.delete(ImportDraft).where(ImportDraft.campaign_id == campaign.id))
    batches = sa.select(EntryBatch.id).where(EntryBatch.campaign_id == campaign.id)
    db.session.execute(sa.delete(EntrySheet).where(EntrySheet.batch_id.in_(batches)))
    campaign.purged_at = utcnow()
    campaign.final_report = report
    audit.record(
        "campaign.purge", f"campaign {campaign.id}", county_id=campaign.county_id, removed=removed
    )
    db.session.commit()
    return removed


def _wait_for_every_worker(campaign: Campaign) -> None:
    """Right after a close, let every survey worker see it (CAMPAIGN_STATE_SECONDS) and finish
    the answer it may have been storing, so nothing lands in a purged campaign."""
    closed_at = db.session.scalar(
        sa.select(sa.func.max(AuditEntry.at)).where(
            AuditEntry.action == "campaign.closed", AuditEntry.target == f"campaign {campaign.id}"
        )
    )
    if closed_at is None:
        return
    settle = 2 * float(current_app.config["CAMPAIGN_STATE_SECONDS"])
    waited = (utcnow() - closed_at).total_seconds()
    if 0 <= waited < settle:
        time.sleep(settle - waited)
