"""the notice outbox: one row per message, sent by the worker; volunteers' answers to
shifts; a volunteer's notice preferences; the zone a person reads stamped times in

Revision ID: b5c7d9e2f418
Revises: a8d3e5f1c246
Create Date: 2026-12-05 00:55:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b5c7d9e2f418"
down_revision = "a8d3e5f1c246"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_notices", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("remind_hours", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("telegram_chat", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("telegram_link", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("sms_notices", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_account_telegram_link"), ["telegram_link"]
        )
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("volunteer_id", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_notice_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_notice_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("key", name=op.f("uq_notice_key")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_volunteer_id"), ["volunteer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notice_next_attempt_at"), ["next_attempt_at"], unique=False
        )


    op.create_table(
        "shift_answer",
        sa.Column("need_id", sa.String(length=100), nullable=False),
        sa.Column("volunteer_id", sa.String(length=100), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_shift_answer_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("need_id", "volunteer_id", name=op.f("pk_shift_answer")),
    )


def downgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_account_telegram_link"), type_="unique")
        batch_op.drop_column("sms_notices")
        batch_op.drop_column("telegram_link")
        batch_op.drop_column("telegram_chat")
        batch_op.drop_column("timezone")
        batch_op.drop_column("remind_hours")
        batch_op.drop_column("email_notices")
    op.drop_table("shift_answer")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_notice_state"))
        batch_op.drop_index(batch_op.f("ix_notice_account_id"))
        batch_op.drop_index(batch_op.f("ix_notice_volunteer_id"))
    op.drop_table("notice")
