"""a city's or province's campaign over several counties: each school's county, and whether the
assessed may follow their own progress

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("county_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_school_county_id_county", "county", ["county_id"], ["id"])
        batch_op.create_index("ix_school_county_id", ["county_id"])
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "assessed_see_progress", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("assessed_see_progress")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index("ix_school_county_id")
        batch_op.drop_constraint("fk_school_county_id_county", type_="foreignkey")
        batch_op.drop_column("county_id")
