"""questionnaire versions imported at run time (XLSForm), shared by every worker and host

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "questionnaire_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_definition")),
        sa.UniqueConstraint(
            "code", "version", name=op.f("uq_questionnaire_definition_code_version")
        ),
    )


def downgrade():
    op.drop_table("questionnaire_definition")
