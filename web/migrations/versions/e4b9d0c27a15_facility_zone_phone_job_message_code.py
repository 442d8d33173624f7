"""a facility's time zone and phone (FORMAT.md's optional columns); a solve job's message as a
code with its values, so a page can say it in the reader's language

Revision ID: e4b9d0c27a15
Revises: c3f8a2d91e47
Create Date: 2026-12-04 23:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e4b9d0c27a15"
down_revision = "c3f8a2d91e47"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("phone", sa.String(length=100), nullable=False, server_default=""))
    with op.batch_alter_table("solve_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_code", sa.String(length=50), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("message_values", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("solve_job", schema=None) as batch_op:
        batch_op.drop_column("message_values")
        batch_op.drop_column("message_code")
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.drop_column("phone")
        batch_op.drop_column("timezone")
