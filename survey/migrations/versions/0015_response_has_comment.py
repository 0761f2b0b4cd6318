"""whether an answer carries an open comment, with a partial index the comment pages walk

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COMMENTED = sa.text("has_comment")


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_comment", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # answers stored before: a comment is any non-empty open item of the shipped forms
    from questionnaires import load_registry

    codes = sorted({it.code for q in load_registry().versions.values() for it in q.text_items})
    response = sa.table("response", sa.column("answers", sa.JSON), sa.column("has_comment"))
    if codes:
        texts = [response.c.answers[code].as_string() for code in codes]
        op.execute(
            response.update()
            .where(sa.or_(*(t.is_not(None) & (t != "") for t in texts)))
            .values(has_comment=True)
        )
    op.create_index(
        "ix_response_commented",
        "response",
        ["campaign_id", "id"],
        sqlite_where=COMMENTED,
        postgresql_where=COMMENTED,
    )


def downgrade():
    op.drop_index("ix_response_commented", table_name="response")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("has_comment")
