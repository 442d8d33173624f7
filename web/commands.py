"""`flask --app web ...` commands: create the database, load data, create accounts."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from scheduler.domain import Dataset
from scheduler.problems import InvalidInput
from web import audit, store
from web.auth import hash_password
from web.models import Facility, Role, User, Volunteer, db

DEMO_PASSWORD = "demo-password"  # printed by `make run`; demo accounts only


def register(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(load_data)
    app.cli.add_command(create_coordinator)
    app.cli.add_command(demo_accounts)


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database tables (Alembic migrations)."""
    upgrade()
    click.echo("database is up to date")


@click.command("load-data")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--solve", is_flag=True, help="Also staff the needs and publish the roster.")
@click.option(
    "--unlink",
    is_flag=True,
    help="Load even if accounts are linked to facilities or volunteers PATH lacks; "
    "those links are dropped.",
)
def load_data(path: Path, solve: bool, unlink: bool) -> None:
    """Replace the stored facilities, volunteers, availability and needs with PATH's.

    Accounts stay linked to their facilities and volunteers by id. When PATH
    lacks an id an account is linked to, nothing is loaded (unless --unlink).
    """
    from scheduler.intake.loading import load_dataset

    try:
        dataset, _ = load_dataset(path)
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    lost = _links_lost(dataset, path)
    if lost and not unlink:
        click.echo(
            f"Nothing was loaded: add these to {path.name}, or load again with --unlink "
            "to drop the links (those people then see nothing until a coordinator relinks them).",
            err=True,
        )
        raise SystemExit(1)
    store.replace_all(dataset)
    audit.record("load", "dataset", str(path), needs=len(dataset.needs), unlinked=lost)
    if solve:
        from scheduler.engine.solver import solve as run

        result = run(dataset)
        store.publish(result.assignments, result.summary())
    db.session.commit()
    click.echo(
        f"loaded {len(dataset.facilities)} facilities, {len(dataset.volunteers)} volunteers, "
        f"{len(dataset.needs)} needs" + (" and published a roster" if solve else "")
    )


def _links_lost(dataset: Dataset, path: Path) -> list[str]:
    """Say which account links the new data keeps under another name and which it loses."""
    names = {("facility", f.id): f.name for f in dataset.facilities} | {
        ("volunteer", v.id): v.name for v in dataset.volunteers
    }
    lost = []
    for link in store.account_links():
        new = names.get((link.kind, link.id))
        if new is None:
            lost.append(f"{link.email}: {link.kind} {link.id}")
            click.echo(
                f"{link.email} is linked to {link.kind} {link.id} ('{link.name}'), "
                f"which {path.name} does not have",
                err=True,
            )
        elif new != link.name:
            click.echo(
                f"note: {link.email} stays linked to {link.kind} {link.id}, "
                f"now named '{new}' (was '{link.name}')",
                err=True,
            )
    return lost


@click.command("create-coordinator")
@click.argument("email")
@click.option("--name", default="National coordinator", show_default=True)
@click.password_option(help="Asked for when not given.")
def create_coordinator(email: str, name: str, password: str) -> None:
    """Create the first national coordinator (who then creates the other accounts)."""
    email = email.strip().lower()
    if db.session.scalars(select(User).where(User.email == email)).first():
        raise click.ClickException(f"an account with the email {email} already exists")
    db.session.add(
        User(email=email, name=name, password_hash=hash_password(password), role=Role.NATIONAL)
    )
    db.session.commit()
    click.echo(f"created national coordinator {email}")


@click.command("demo-accounts")
def demo_accounts() -> None:
    """One account per role over the loaded data, all with the demo password."""
    facility = db.session.scalars(select(Facility).order_by(Facility.id)).first()
    if facility is None:
        raise click.ClickException("load data first: flask --app web load-data data/demo")
    volunteer = _busiest_volunteer()
    if volunteer is None:
        raise click.ClickException("the data has no volunteers: load data that has some first")
    accounts = [
        ("national@demo.example", "Nadia National", Role.NATIONAL, None, [], None),
        ("regional@demo.example", "Roman Regional", Role.REGIONAL, facility.region, [], None),
        ("hospital@demo.example", "Hanna Hospital", Role.HOSPITAL, None, [facility], None),
        ("volunteer@demo.example", volunteer.name, Role.VOLUNTEER, None, [], volunteer.id),
    ]
    for email, name, role, region, facilities, volunteer_id in accounts:
        user = db.session.scalars(select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, role=role)
            db.session.add(user)
        user.name, user.region, user.volunteer_id = name, region, volunteer_id
        user.password_hash = hash_password(DEMO_PASSWORD)
        user.facilities = facilities
        if role is Role.VOLUNTEER and not user.calendar_token:
            user.calendar_token = secrets.token_urlsafe(32)
        click.echo(f"  {role.label:<22} {email:<26} password: {DEMO_PASSWORD}")
    db.session.commit()


def _busiest_volunteer() -> Volunteer | None:
    """The demo volunteer: one with shifts in the published roster, if there is one."""
    from sqlalchemy import func

    from web.models import Assignment

    roster = store.published()
    if roster is not None:
        busiest = db.session.execute(
            select(Assignment.volunteer_id, func.count())
            .where(Assignment.roster_id == roster.id)
            .group_by(Assignment.volunteer_id)
            .order_by(func.count().desc(), Assignment.volunteer_id)
            .limit(1)
        ).first()
        if busiest:
            return db.session.get(Volunteer, busiest[0])
    return db.session.scalars(select(Volunteer).order_by(Volunteer.id)).first()
