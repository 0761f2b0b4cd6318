"""analysis documents kept while their inputs are unchanged

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "analysis_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_analysis_cache_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_cache")),
        sa.UniqueConstraint("campaign_id", "key", name=op.f("uq_analysis_cache_campaign_id_key")),
    )
    op.create_index(
        op.f("ix_analysis_cache_campaign_id"), "analysis_cache", ["campaign_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_analysis_cache_campaign_id"), table_name="analysis_cache")
    op.drop_table("analysis_cache")
