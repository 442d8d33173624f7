"""a draft's published_as as a column, not a key inside its JSON summary

Revision ID: 7a4c9e1d2b60
Revises: 1d77fe7a0ef8
Create Date: 2026-12-04 19:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7a4c9e1d2b60"
down_revision = "1d77fe7a0ef8"
branch_labels = None
depends_on = None

roster = sa.table(
    "roster",
    sa.column("id", sa.Integer),
    sa.column("summary", sa.JSON),
    sa.column("published_as", sa.Integer),
)


def upgrade():
    with op.batch_alter_table("roster", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_as", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_roster_published_as"), ["published_as"])
        batch_op.create_foreign_key(
            batch_op.f("fk_roster_published_as_roster"),
            "roster",
            ["published_as"],
            ["id"],
            ondelete="SET NULL",
        )
    connection = op.get_bind()
    rows = connection.execute(sa.select(roster.c.id, roster.c.summary)).all()
    for roster_id, summary in rows:
        if summary and summary.get("published_as"):
            rest = {k: v for k, v in summary.items() if k != "published_as"}
            connection.execute(
                roster.update()
                .where(roster.c.id == roster_id)
                .values(published_as=summary["published_as"], summary=rest)
            )


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(roster.c.id, roster.c.summary, roster.c.published_as).where(
            roster.c.published_as.is_not(None)
        )
    ).all()
    for roster_id, summary, published_as in rows:
        connection.execute(
            roster.update()
            .where(roster.c.id == roster_id)
            .values(summary={**(summary or {}), "published_as": published_as})
        )
    with op.batch_alter_table("roster", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_roster_published_as_roster"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_roster_published_as"), type_="unique")
        batch_op.drop_column("published_as")
