"""Solves as jobs: POST starts one and returns its id, GET polls it, DELETE cancels it.

Coordinators only: a regional coordinator solves their region, a national
coordinator the country or any region; another region's job is 404, and
hospital staff and volunteers get 403. The job runs in the task-queue worker
(`web.jobs`); these views only create, show and cancel the `solve_job` row.
A finished job links to its draft roster; publishing it is a separate step.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from web import audit, i18n, job_ends, job_queue, job_writes, jobs
from web import models as m
from web.access import COORDINATORS, roles_required
from web.coordination import region_labels
from web.errors import wants_json
from web.job_messages import Said, job_message
from web.models import NATIONAL, JobStatus, Role, SolveJob, db, utcnow

bp = Blueprint("solving", __name__, url_prefix="/plan/solves")

LISTED = 50  # the newest jobs on the list page


@bp.record_once
def _add_worker_command(state: BlueprintSetupState) -> None:
    """`flask --app web worker` runs the solve worker beside the web app."""
    state.app.cli.add_command(job_queue.worker)
    state.app.cli.add_command(job_queue.notices_worker)


class StartForm(FlaskForm):
    scope = SelectField(lazy_gettext("What to solve"))
    time_limit = IntegerField(
        lazy_gettext("Time limit (seconds)"),
        default=jobs.DEFAULT_TIME_LIMIT,
        validators=[InputRequired(), NumberRange(min=10, max=3600)],
        description=lazy_gettext(
            "The solver stops at this limit and keeps the best roster it found."
        ),
    )
    afresh = BooleanField(
        lazy_gettext("Plan afresh"),
        description=lazy_gettext(
            "Keep only pinned shifts and those starting within the notice period; anyone else "
            "may be moved. Without it, a solve keeps the published roster wherever it can."
        ),
    )


def scope_choices(user: m.User) -> list[tuple[str, str]]:
    """A regional coordinator their region; a national coordinator the country or a region."""
    labels = region_labels()
    if user.kind is Role.REGIONAL:
        return [(user.region, labels.get(user.region, user.region))] if user.region else []
    regions = sorted(labels.items(), key=lambda item: item[1].lower())
    return [(NATIONAL, gettext("The whole country")), *regions]


def scope_label(scope: str) -> str:
    if scope == NATIONAL:
        return gettext("the whole country")
    return region_labels().get(scope, scope)


def jobs_query(user: m.User) -> Select:
    query = select(SolveJob).order_by(SolveJob.id.desc())
    if user.kind is Role.NATIONAL:
        return query
    return query.where(SolveJob.scope == user.region)


def job_or_404(job_id: int) -> SolveJob:
    job = db.session.scalars(jobs_query(current_user).where(SolveJob.id == job_id)).first()
    if job is None:
        abort(404)
    job_ends.expire_stale(job)
    return job


# --- views ------------------------------------------------------------------------------------


@bp.get("")
@roles_required(*COORDINATORS)
def index():
    listed = list(db.session.scalars(jobs_query(current_user).limit(LISTED)))
    for job in listed:
        job_ends.expire_stale(job)
    if wants_json():
        return jsonify(jobs=[state(job) for job in listed])
    form = StartForm()
    form.scope.choices = scope_choices(current_user)
    return render_template("solving/index.html", form=form, jobs=listed, label=scope_label)


@bp.post("")
@roles_required(*COORDINATORS)
def start():
    form = StartForm()
    form.scope.choices = scope_choices(current_user)
    if not form.validate():
        if wants_json():
            return jsonify(
                error={"status": 400, "message": gettext("the form is not valid")},
                fields=form.errors,
            ), 400
        listed = list(db.session.scalars(jobs_query(current_user).limit(LISTED)))
        page = render_template("solving/index.html", form=form, jobs=listed, label=scope_label)
        return page, 400
    job = SolveJob(
        scope=form.scope.data,
        settings={"time_limit": form.time_limit.data, "afresh": bool(form.afresh.data)},
        created_by=current_user.id,
    )
    db.session.add(job)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return already_running(form.scope.data)
    audit.record(
        "start",
        "solve",
        str(job.id),
        scope=job.scope,
        time_limit=form.time_limit.data,
        afresh=bool(form.afresh.data),
    )
    db.session.commit()  # before the worker looks: in immediate mode it runs right here
    handed = hand_over(job)
    if wants_json():
        response = jsonify(state(job))
        response.status_code = 202 if handed else 503
        response.headers["Location"] = url_for("solving.poll", job_id=job.id)
        return response
    return redirect(url_for("solving.show", job_id=job.id))


def hand_over(job: SolveJob) -> bool:
    """Queue the job; if the queue cannot be reached, the job fails and says why."""
    job_id = job.id
    try:
        job_queue.enqueue(job_id)
    except Exception as exc:  # Redis down, the queue file unwritable
        db.session.rollback()
        unreachable = Said("queue_unreachable", {"error": f"{type(exc).__name__}: {exc}"[:1500]})
        db.session.execute(
            update(SolveJob)
            .where(SolveJob.id == job_id, SolveJob.status == JobStatus.QUEUED)
            .values(status=JobStatus.FAILED, finished_at=utcnow(), **unreachable.columns())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        flash(gettext("The solve could not be started; the job page says why."), "error")
        return False
    db.session.expire_all()  # an immediate solve changed the row underneath
    return True


def already_running(scope: str):
    """409: the partial unique index refused a second active job for the scope."""
    active = db.session.scalars(
        select(SolveJob).where(
            SolveJob.scope == scope, SolveJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
        )
    ).first()
    number = active.id if active else "?"
    message = gettext(
        "a solve of %(scope)s is already running (job %(job)s)",
        scope=scope_label(scope),
        job=number,
    )
    if wants_json():
        return jsonify(error={"status": 409, "message": message, "job": number}), 409
    return render_template("solving/conflict.html", message=message, job=active), 409


@bp.get("/<int:job_id>")
@roles_required(*COORDINATORS)
def show(job_id: int):
    job = job_or_404(job_id)
    roster = db.session.get(m.Roster, job.roster_id) if job.roster_id else None
    return render_template(
        "solving/show.html",
        job=job,
        label=scope_label(job.scope),
        who=db.session.get(m.User, job.created_by) if job.created_by else None,
        roster=roster,
        roster_url=roster_url(roster.id) if roster else None,
    )


@bp.get("/<int:job_id>.json")
@roles_required(*COORDINATORS)
def poll(job_id: int):
    return jsonify(state(job_or_404(job_id)))


@bp.post("/<int:job_id>/cancel")
@roles_required(*COORDINATORS)
def cancel(job_id: int):
    job = job_or_404(job_id)
    done = request_cancel(job)
    if done is None:
        flash(
            gettext(
                "Job %(id)s had already ended (%(status)s); nothing to cancel.",
                id=job.id,
                status=status_words(job.status),
            ),
            "error",
        )
    else:
        flash(gettext("Cancelled.") if done else gettext("Stopping the solver…"))
    return redirect(url_for("solving.show", job_id=job.id))


@bp.delete("/<int:job_id>")
@roles_required(*COORDINATORS)
def delete(job_id: int):
    job = job_or_404(job_id)
    if request_cancel(job) is None:
        message = gettext(
            "job %(id)s has already ended (%(status)s); nothing to cancel",
            id=job.id,
            status=status_words(job.status),
        )
        return jsonify(error={"status": 409, "message": message}, job=state(job)), 409
    return jsonify(state(job)), 202 if job.status == JobStatus.RUNNING else 200


def status_words(status: str) -> str:
    """An ended job's status in words (the job page's words for the others are its template's)."""
    words = {
        JobStatus.DONE: lazy_gettext("done"),
        JobStatus.FAILED: lazy_gettext("failed"),
        JobStatus.CANCELLED: lazy_gettext("cancelled"),
    }
    return str(words.get(JobStatus(status), status))


def request_cancel(job: SolveJob) -> bool | None:
    """Cancel: a queued job at once (True), a running one by asking its worker (False).

    None when the job had already ended. Each update names the status it
    expects, so a worker taking the job at the same moment is never overruled.
    """
    when = i18n.local(utcnow()).strftime("%H:%M")  # on the site's clock, as pages show times
    values = Said("cancelled", {"name": current_user.name, "time": when}).columns()
    queued = _update(
        job, JobStatus.QUEUED, status=JobStatus.CANCELLED, finished_at=utcnow(), **values
    )
    if queued:
        job_queue.revoke(job.id)
    elif not _update(job, JobStatus.RUNNING, cancel_requested=True, **values):
        db.session.rollback()
        return None
    audit.record("cancel", "solve", str(job.id), scope=job.scope)
    db.session.commit()
    db.session.refresh(job)
    return queued


def _update(job: SolveJob, expected: JobStatus, **values: Any) -> bool:
    return bool(
        job_writes.changed(
            update(SolveJob)
            .where(SolveJob.id == job.id, SolveJob.status == expected)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    )


# --- what a page and a poller see -------------------------------------------------------------


@bp.app_template_filter("job_message")
def _job_message(job: SolveJob) -> str:
    return job_message(job)


def roster_url(roster_id: int) -> str:
    """The draft's page, built by the publishing blueprint once it has one."""
    try:
        return url_for("publishing.show", roster_id=roster_id)
    except BuildError:
        return f"/plan/rosters/{roster_id}"


def state(job: SolveJob) -> dict[str, Any]:
    progress = job.progress or {}
    return {
        "id": job.id,
        "scope": job.scope,
        "status": job.status,
        "active": JobStatus(job.status).active,
        "message": job_message(job),
        "cancel_requested": job.cancel_requested,
        "progress": {key: progress.get(key) for key in ("done", "total", "found", "bound", "gap")},
        "time_limit": (job.settings or {}).get("time_limit"),
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "heartbeat_at": _iso(job.heartbeat_at),
        "roster_id": job.roster_id,
        "roster_url": roster_url(job.roster_id) if job.roster_id else None,
        "url": url_for("solving.show", job_id=job.id),
    }


def _iso(moment: Any) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None
