"""classes under schools with links of their own; county-wide links for deputies and the public

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SCHOOL_WIDE = sa.text("class_id IS NULL")
CLASS_ONLY = sa.text("class_id IS NOT NULL")


def upgrade():
    op.create_table(
        "school_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("pupils", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_school_class_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_class")),
        sa.UniqueConstraint(
            "school_id", "grade", "name", name=op.f("uq_school_class_school_id_grade_name")
        ),
    )
    op.create_index(op.f("ix_school_class_school_id"), "school_class", ["school_id"])
    with op.batch_alter_table("link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("class_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_link_class_id_school_class", "school_class", ["class_id"], ["id"]
        )
        batch_op.drop_constraint("uq_link_school_id_group", type_="unique")
        batch_op.create_unique_constraint("uq_link_class_id_group", ["class_id", "group"])
    op.create_index(
        "uq_link_school_id_group",
        "link",
        ["school_id", "group"],
        unique=True,
        sqlite_where=SCHOOL_WIDE,
        postgresql_where=SCHOOL_WIDE,
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("class_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_response_class_id_school_class", "school_class", ["class_id"], ["id"]
        )
    op.create_index(
        "ix_response_class_id",
        "response",
        ["class_id", "group"],
        sqlite_where=CLASS_ONLY,
        postgresql_where=CLASS_ONLY,
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("county_links", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("county_links")
    op.drop_index("ix_response_class_id", table_name="response")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint("fk_response_class_id_school_class", type_="foreignkey")
        batch_op.drop_column("class_id")
    op.drop_index("uq_link_school_id_group", table_name="link")
    with op.batch_alter_table("link", schema=None) as batch_op:
        batch_op.drop_constraint("uq_link_class_id_group", type_="unique")
        batch_op.create_unique_constraint("uq_link_school_id_group", ["school_id", "group"])
        batch_op.drop_constraint("fk_link_class_id_school_class", type_="foreignkey")
        batch_op.drop_column("class_id")
    op.drop_index(op.f("ix_school_class_school_id"), table_name="school_class")
    op.drop_table("school_class")
