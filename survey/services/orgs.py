"""The assessment's tree of education bureaus: province → city → county.

A county runs its own surveys; a city or province sees the campaigns of the levels below it
that share them upward (Campaign.share_up), read-only. Today's counties stay counties; a city
or province is added above them with `create-org`.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..core.database import db
from ..models import ORG_KINDS, Org
from ..models.campaign import PARENT_KIND


class OrgRefused(ValueError):
    """An organisation that cannot be made as asked (the message says why, in Chinese)."""


def find_org(name: str) -> Org | None:
    return db.session.scalar(sa.select(Org).where(Org.name == name.strip()))


def create_org(kind: str, name: str, parent: str | None = None) -> Org:
    """A province, city or county under its parent (a city's province, a county's city); a
    county or city may also stand alone. The caller commits."""
    if kind not in ORG_KINDS:
        raise OrgRefused(f"未知的级别：{kind}（可用：{'、'.join(ORG_KINDS)}）")
    name = name.strip()
    if not name:
        raise OrgRefused("请填写名称")
    if find_org(name) is not None:
        raise OrgRefused(f"已有名为“{name}”的单位")
    above = None
    if parent:
        above = find_org(parent)
        if above is None:
            raise OrgRefused(f"没有名为“{parent}”的上级单位")
        if above.kind != PARENT_KIND.get(kind):
            wanted = ORG_KINDS.get(PARENT_KIND.get(kind, ""), "无")
            raise OrgRefused(
                f"{ORG_KINDS[kind]}单位的上级应为{wanted}单位，“{parent}”是{above.kind_label}"
            )
    org = Org(kind=kind, name=name, parent=above)
    db.session.add(org)
    db.session.flush()
    return org


def set_parent(org: Org, parent: Org) -> None:
    """Place an existing organisation (a county made before its city) under its parent."""
    if parent.kind != PARENT_KIND.get(org.kind):
        raise OrgRefused(f"“{org.name}”的上级不能是{parent.kind_label}单位“{parent.name}”")
    org.parent = parent
    db.session.flush()


def below(org_id: int) -> set[int]:
    """The ids of every organisation under this one (not itself)."""
    children: dict[int | None, list[int]] = {}
    for oid, parent_id in db.session.execute(sa.select(Org.id, Org.parent_id)):
        children.setdefault(parent_id, []).append(oid)
    found: set[int] = set()
    todo = list(children.get(org_id, []))
    while todo:
        oid = todo.pop()
        if oid not in found:
            found.add(oid)
            todo.extend(children.get(oid, []))
    return found


def org_rows() -> list[dict]:
    """Every organisation as {id, kind, name, parent} (parent: its name, or None)."""
    orgs = db.session.scalars(sa.select(Org).order_by(Org.id)).all()
    names = {o.id: o.name for o in orgs}
    return [
        {"id": o.id, "kind": o.kind, "name": o.name, "parent": names.get(o.parent_id)} for o in orgs
    ]
