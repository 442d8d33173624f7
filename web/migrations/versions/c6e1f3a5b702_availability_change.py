"""a volunteer's availability changes, kept with who made them

Revision ID: c6e1f3a5b702
Revises: b5c7d9e2f418
Create Date: 2026-12-05 03:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c6e1f3a5b702"
down_revision = "b5c7d9e2f418"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "availability_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by"], ["account.id"], name=op.f("fk_availability_change_by_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"],
            name=op.f("fk_availability_change_volunteer_id_volunteer"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_change")),
    )
    with op.batch_alter_table("availability_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_availability_change_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("availability_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availability_change_volunteer_id"))
    op.drop_table("availability_change")
