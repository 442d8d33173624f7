"""named locks that serialise publishing (and later claims and swaps)

Revision ID: 5e1f0c2a7b31
Revises: bcb8fc5cdcf3
Create Date: 2026-12-04 19:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e1f0c2a7b31"
down_revision = "bcb8fc5cdcf3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lock",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_lock")),
    )


def downgrade():
    op.drop_table("lock")
