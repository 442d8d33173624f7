"""an assignment of the published roster may be pinned (locked): a re-plan keeps it

Revision ID: f2a6c81b9d34
Revises: e4b9d0c27a15
Create Date: 2026-12-04 23:15:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f2a6c81b9d34"
down_revision = "e4b9d0c27a15"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("locked")
