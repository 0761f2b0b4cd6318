"""the languages a campaign's survey pages offer, and the language each answer was given in

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "languages",
                sa.JSON(),
                server_default=sa.text("'[\"zh-Hans\"]'"),
                nullable=False,
            )
        )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("languages")
