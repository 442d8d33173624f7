"""credentials volunteers hold, with who verified them; the credentials a need requires

Revision ID: f9b4c6d8e035
Revises: e8a3b5c7d924
Create Date: 2026-12-05 03:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f9b4c6d8e035"
down_revision = "e8a3b5c7d924"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requires", sa.String(length=2000), nullable=False, server_default="")
        )
    op.create_table(
        "credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.String(length=100), nullable=False),
        sa.Column("credential", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["account.id"], name=op.f("fk_credential_verified_by_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"],
            name=op.f("fk_credential_volunteer_id_volunteer"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
    )
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_volunteer_id"))
    op.drop_table("credential")
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_column("requires")
