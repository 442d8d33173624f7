"""who recorded a credential and when, and the kind of its evidence file

Revision ID: a0c5d7e9f146
Revises: f9b4c6d8e035
Create Date: 2026-12-05 06:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a0c5d7e9f146"
down_revision = "f9b4c6d8e035"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("recorded_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("evidence_type", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credential_recorded_by_account"),
            "account",
            ["recorded_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_credential_recorded_by_account"), type_="foreignkey"
        )
        batch_op.drop_column("evidence_type")
        batch_op.drop_column("recorded_by")
        batch_op.drop_column("recorded_at")
