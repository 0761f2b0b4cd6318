"""a bureau's Word template for its dossier documents (styles, page, headers and footers)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 10:06:06.433556

"""

from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dossier_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_dossier_template_county_id_county")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_dossier_template_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_template")),
        sa.UniqueConstraint("county_id", name=op.f("uq_dossier_template_county_id")),
    )


def downgrade():
    op.drop_table("dossier_template")
