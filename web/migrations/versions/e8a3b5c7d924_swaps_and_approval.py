"""swaps and claims waiting for approval; a region's self-service setting

Revision ID: e8a3b5c7d924
Revises: d7f2a4b6c813
Create Date: 2026-12-05 03:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e8a3b5c7d924"
down_revision = "d7f2a4b6c813"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "region_setting",
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("approval", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("region", name=op.f("pk_region_setting")),
    )
    op.create_table(
        "shift_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("need_id", sa.String(length=100), nullable=False),
        sa.Column("volunteer_id", sa.String(length=100), nullable=True),
        sa.Column("giver_id", sa.String(length=100), nullable=True),
        sa.Column("named_id", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["account.id"], name=op.f("fk_shift_request_decided_by_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["giver_id"], ["volunteer.id"], name=op.f("fk_shift_request_giver_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"],
            name=op.f("fk_shift_request_volunteer_id_volunteer"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_request")),
    )
    with op.batch_alter_table("shift_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_request_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shift_request_state"), ["state"], unique=False)


def downgrade():
    with op.batch_alter_table("shift_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_request_state"))
        batch_op.drop_index(batch_op.f("ix_shift_request_need_id"))
    op.drop_table("shift_request")
    op.drop_table("region_setting")
