"""an account's chosen language (the switcher's), empty for the browser's

Revision ID: c3f8a2d91e47
Revises: 7a4c9e1d2b60
Create Date: 2026-12-04 21:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3f8a2d91e47"
down_revision = "7a4c9e1d2b60"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("locale")
