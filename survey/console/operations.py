"""Metrics for the bureau's monitoring: admins, or a Prometheus server on a configured network."""

from __future__ import annotations

import ipaddress

import sqlalchemy as sa
from flask import Response, current_app, request

from ..auth.access import roles
from ..core.database import db
from ..core.metrics import exposition
from ..models import Campaign, ResponseTally
from .blueprint import bp


def _from_monitoring_network() -> bool:
    """Whether the request comes from a network in METRICS_NETWORKS (default: none)."""
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False)
        for net in current_app.config["METRICS_NETWORKS"]
    )


def _metrics() -> Response:
    rows = db.session.execute(
        sa.select(Campaign.slug, sa.func.coalesce(sa.func.sum(ResponseTally.n), 0))
        .outerjoin(ResponseTally, ResponseTally.campaign_id == Campaign.id)
        .group_by(Campaign.slug)
        .order_by(Campaign.slug)
    ).all()
    return Response(exposition([(slug, int(n)) for slug, n in rows]), mimetype="text/plain")


@roles("admin")
def _for_admins() -> Response:
    return _metrics()


@bp.get("/metrics")
def metrics():
    """Prometheus text format: request latency, server errors, submissions, answers per
    campaign (no respondent data)."""
    if _from_monitoring_network():
        return _metrics()
    return _for_admins()
