"""counties become organisations of a tree (province, city, county); campaigns shared upward

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # every county there is stays a county, at the top of its own tree until given a city
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(10), server_default="county", nullable=False)
        )
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_county_parent_id_county", "county", ["parent_id"], ["id"])
        batch_op.create_index("ix_county_parent_id", ["parent_id"])
        batch_op.create_check_constraint("org_kind_known", "kind IN ('province', 'city', 'county')")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("share_up", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("share_up")
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.drop_constraint("org_kind_known", type_="check")
        batch_op.drop_index("ix_county_parent_id")
        batch_op.drop_constraint("fk_county_parent_id_county", type_="foreignkey")
        batch_op.drop_column("parent_id")
        batch_op.drop_column("kind")
