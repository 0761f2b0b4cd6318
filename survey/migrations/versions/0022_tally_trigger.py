"""response tallies kept by the database: a trigger on response counts every row stored

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 19:00:00

Every insert into response, whatever makes it (a submission, an import, a restore of single
rows, a bench's bulk load), adds one to its (campaign, school, group, hour) tally in the same
statement. The storage code no longer counts. A later migration that rebuilds the response
table on SQLite (batch_alter_table's copy) drops the trigger with the old table and must
create it again; tests/survey/test_responses.py checks that the newest schema counts.
"""

from alembic import op


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

SQLITE = """
CREATE TRIGGER response_counted AFTER INSERT ON response
BEGIN
    INSERT INTO response_tally (campaign_id, school_id, "group", hour, n)
    VALUES (
        NEW.campaign_id, NEW.school_id, NEW."group",
        substr(NEW.submitted_at, 1, 13) || ':00:00.000000', 1
    )
    ON CONFLICT (campaign_id, school_id, "group", hour) DO UPDATE SET n = n + 1;
END
"""
# SQLite keeps a DateTime as 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's format): the hour's
# start is the first 13 characters and zeros, as the tallies stored before this revision.

POSTGRESQL = (
    """
CREATE FUNCTION response_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO response_tally (campaign_id, school_id, "group", hour, n)
    VALUES (NEW.campaign_id, NEW.school_id, NEW."group", date_trunc('hour', NEW.submitted_at), 1)
    ON CONFLICT (campaign_id, school_id, "group", hour)
    DO UPDATE SET n = response_tally.n + 1;
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER response_counted AFTER INSERT ON response
FOR EACH ROW EXECUTE FUNCTION response_counted()
""",
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL:
            op.execute(statement)
    else:
        op.execute(SQLITE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER response_counted ON response")
        op.execute("DROP FUNCTION response_counted()")
    else:
        op.execute("DROP TRIGGER response_counted")
