"""attendance marks and certificates of hours

Revision ID: b1d6e8f0a257
Revises: a0c5d7e9f146
Create Date: 2026-12-05 06:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b1d6e8f0a257"
down_revision = "a0c5d7e9f146"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.String(length=100), nullable=False),
        sa.Column("volunteer_id", sa.String(length=100), nullable=False),
        sa.Column("volunteer_name", sa.String(length=200), nullable=False),
        sa.Column("facility_id", sa.String(length=100), nullable=False),
        sa.Column("facility_name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("planned_start", sa.DateTime(), nullable=False),
        sa.Column("planned_end", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=True),
        sa.Column("end", sa.DateTime(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("checked_in_km", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["marked_by"], ["account.id"], name=op.f("fk_attendance_marked_by_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint("need_id", "volunteer_id", name=op.f("uq_attendance_need_id")),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_need_id"), ["need_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attendance_volunteer_id"), ["volunteer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attendance_facility_id"), ["facility_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attendance_region"), ["region"], unique=False)
    op.create_table(
        "certificate",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("volunteer_id", sa.String(length=100), nullable=False),
        sa.Column("volunteer_name", sa.String(length=200), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("night_minutes", sa.Integer(), nullable=False),
        sa.Column("shifts", sa.Integer(), nullable=False),
        sa.Column("facilities", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_certificate")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_volunteer_id"))
    op.drop_table("certificate")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_region"))
        batch_op.drop_index(batch_op.f("ix_attendance_facility_id"))
        batch_op.drop_index(batch_op.f("ix_attendance_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_attendance_need_id"))
    op.drop_table("attendance")
