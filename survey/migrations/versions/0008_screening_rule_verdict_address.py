"""screening rule, minimum respondents for a verdict, the network address hash

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("screen_rule", sa.String(12), server_default="strong", nullable=False)
        )
        batch_op.add_column(
            sa.Column("min_verdict_n", sa.Integer(), server_default="10", nullable=False)
        )
    # a campaign that kept every answer in its headline keeps doing so; one that left flagged
    # answers out now leaves out those with strong evidence (straight-lining alone no longer)
    op.execute("UPDATE campaign SET screen_rule = 'none' WHERE NOT exclude_flagged")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("exclude_flagged")
        batch_op.create_check_constraint(
            "screen_rule_known", "screen_rule IN ('strong', 'none', 'any')"
        )
        batch_op.create_check_constraint("min_verdict_n_positive", "min_verdict_n >= 1")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("address")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint("ck_campaign_min_verdict_n_positive", type_="check")
        batch_op.drop_constraint("ck_campaign_screen_rule_known", type_="check")
        batch_op.add_column(
            sa.Column("exclude_flagged", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.execute("UPDATE campaign SET exclude_flagged = (screen_rule <> 'none')")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("min_verdict_n")
        batch_op.drop_column("screen_rule")
