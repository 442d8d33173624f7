"""The workers' entry points: `huey_consumer web.worker.huey` (solves) and
`huey_consumer web.worker.notices` (notices).

Importing this module builds the app from the environment (SCHEDULER_*,
DATABASE_URL) and exposes its task queue, as Flask's Celery example does in
`make_celery.py`. The web app never imports it; `flask --app web worker`
(`web.job_queue.worker`) is the other way to start the same consumer.
"""

from web import create_app
from web.job_queue import notice_queue, queue

app = create_app()
huey = queue(app)
notices = notice_queue(app)
