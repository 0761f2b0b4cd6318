"""paper sheets: the numbers printed per school and group, and double-entry batches with
the sheets each operator typed

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 09:49:13.859411

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "entry_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("first_operator_id", sa.Integer(), nullable=True),
        sa.Column("second_operator_id", sa.Integer(), nullable=True),
        sa.Column("first_done_at", sa.DateTime(), nullable=True),
        sa.Column("second_done_at", sa.DateTime(), nullable=True),
        sa.Column("settled", sa.JSON(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=True),
        sa.Column("stored_by", sa.Integer(), nullable=True),
        sa.Column("stored_sheets", sa.Integer(), nullable=True),
        sa.Column("settled_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_entry_batch_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_entry_batch_created_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["first_operator_id"], ["user.id"], name=op.f("fk_entry_batch_first_operator_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_entry_batch_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["second_operator_id"], ["user.id"], name=op.f("fk_entry_batch_second_operator_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["stored_by"], ["user.id"], name=op.f("fk_entry_batch_stored_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_batch")),
    )
    with op.batch_alter_table("entry_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entry_batch_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "paper_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=12), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_paper_numbers_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_paper_numbers_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_numbers")),
        sa.UniqueConstraint("school_id", "group", name=op.f("uq_paper_numbers_school_id_group")),
    )
    with op.batch_alter_table("paper_numbers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_paper_numbers_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "entry_sheet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("pass_no", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["entry_batch.id"], name=op.f("fk_entry_sheet_batch_id_entry_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_sheet")),
        sa.UniqueConstraint(
            "batch_id", "pass_no", "number", name=op.f("uq_entry_sheet_batch_id_pass_no_number")
        ),
    )
    with op.batch_alter_table("entry_sheet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_sheet_batch_id"), ["batch_id"], unique=False)


def downgrade():
    with op.batch_alter_table("entry_sheet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_sheet_batch_id"))

    op.drop_table("entry_sheet")
    with op.batch_alter_table("paper_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_numbers_campaign_id"))

    op.drop_table("paper_numbers")
    with op.batch_alter_table("entry_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_batch_campaign_id"))

    op.drop_table("entry_batch")
