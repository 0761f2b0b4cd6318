"""paper printings: the numbers and questionnaire version of each printing, and the version a
double-entry batch is typed against

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:10:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "paper_print",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=12), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_paper_print_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_paper_print_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_print")),
    )
    with op.batch_alter_table("paper_print", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_paper_print_campaign_id"), ["campaign_id"], unique=False
        )
    with op.batch_alter_table("entry_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("entry_batch", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("paper_print", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_print_campaign_id"))
    op.drop_table("paper_print")
