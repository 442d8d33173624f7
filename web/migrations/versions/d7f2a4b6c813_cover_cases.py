"""cover cases: open places filled by waves of invitations; a notice about no volunteer
(a coordinator told that a place is still open)

Revision ID: d7f2a4b6c813
Revises: c6e1f3a5b702
Create Date: 2026-12-05 04:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d7f2a4b6c813"
down_revision = "c6e1f3a5b702"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cover_case",
        sa.Column("need_id", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("waves", sa.Integer(), nullable=False),
        sa.Column("last_wave_at", sa.DateTime(), nullable=False),
        sa.Column("alerted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["started_by"], ["account.id"], name=op.f("fk_cover_case_started_by_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("need_id", name=op.f("pk_cover_case")),
    )
    op.create_table(
        "invitation",
        sa.Column("need_id", sa.String(length=100), nullable=False),
        sa.Column("volunteer_id", sa.String(length=100), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"],
            name=op.f("fk_invitation_volunteer_id_volunteer"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("need_id", "volunteer_id", name=op.f("pk_invitation")),
    )


    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.alter_column("volunteer_id", existing_type=sa.String(length=100), nullable=True)


def downgrade():
    op.execute("DELETE FROM notice WHERE volunteer_id IS NULL")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.alter_column("volunteer_id", existing_type=sa.String(length=100), nullable=False)
    op.drop_table("invitation")
    op.drop_table("cover_case")
