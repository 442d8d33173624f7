"""A solve from the browser on a Dask cluster (a real LocalCluster): the roster of a local solve."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web.conftest import Accounts
from tests.web.test_solving import read_job, signed_in, start
from web.models import NATIONAL, Assignment, JobStatus, db

distributed = pytest.importorskip("distributed")
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:.*:UserWarning"),
]


def drafted(app, client, token) -> tuple[JobStatus, str, set[tuple[str, str]]]:
    job_id = int(start(client, token, NATIONAL).headers["Location"].rsplit("/", 1)[1])
    job = read_job(app, job_id)
    with app.app_context():
        rows = db.session.scalars(select(Assignment).where(Assignment.roster_id == job.roster_id))
        return JobStatus(job.status), job.message, {(a.need_id, a.volunteer_id) for a in rows}


def test_a_solve_on_the_cluster_gives_the_local_solves_roster(app, client, demo) -> None:
    token = signed_in(client, Accounts.national)
    local = drafted(app, client, token)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        app.config["DASK_ADDRESS"] = cluster.scheduler_address
        there = drafted(app, client, token)
    assert local[0] is there[0] is JobStatus.DONE, (local[1], there[1])
    assert there[2] == local[2]


def test_an_unreachable_cluster_fails_the_job_in_words(app, client, demo) -> None:
    app.config["DASK_ADDRESS"] = "tcp://127.0.0.1:9"
    status, message, _ = drafted(app, client, signed_in(client, Accounts.national))
    assert status is JobStatus.FAILED
    assert "no Dask scheduler answered at tcp://127.0.0.1:9" in message
