"""drop the response (campaign, school, group) index: counts come from response_tally

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:40:00

Every submission updated this index, yet nothing reads it since counts per school and group
are kept in response_tally (whose unique key serves them) and analysis scans by campaign.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_campaign_school_group")


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_campaign_school_group", ["campaign_id", "school_id", "group"], unique=False
        )
