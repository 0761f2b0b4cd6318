"""what a campaign's printed notices say (organiser, contact, purpose) and its code margin

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organiser", sa.String(120), nullable=True))
        batch_op.add_column(sa.Column("contact", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("purpose", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("code_margin", sa.Integer(), server_default="20", nullable=False)
        )
        batch_op.create_check_constraint(
            "code_margin_range", "code_margin >= 0 AND code_margin <= 200"
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint("code_margin_range", type_="check")
        batch_op.drop_column("code_margin")
        batch_op.drop_column("purpose")
        batch_op.drop_column("contact")
        batch_op.drop_column("organiser")
