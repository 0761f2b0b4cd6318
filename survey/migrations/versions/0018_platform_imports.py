"""imports from other survey platforms (问卷星): where a sheet came from on the platform, the
column mappings confirmed per form, and uploads waiting for that confirmation

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_detail", sa.String(length=40), nullable=True))
    op.create_table(
        "import_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_import_mapping_county_id_county")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mapping")),
        sa.UniqueConstraint(
            "county_id",
            "platform",
            "form_key",
            name=op.f("uq_import_mapping_county_id_platform_form_key"),
        ),
    )
    op.create_table(
        "import_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_import_draft_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_import_draft_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_draft")),
        sa.UniqueConstraint("token", name=op.f("uq_import_draft_token")),
    )
    with op.batch_alter_table("import_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_draft_campaign_id"), ["campaign_id"], unique=False
        )


def downgrade():
    op.drop_table("import_draft")
    op.drop_table("import_mapping")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("source_detail")
