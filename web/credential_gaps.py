"""The dashboard's list of places nobody can take for want of a credential, per credential
and day: what to recruit, train or test for (`scheduler.outputs.credential_gaps`).

Coordinators only, in the dashboard's scope (a national coordinator may
narrow it to a region with `?region=`), on the published roster against the
needs as they stand now.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext
from flask_login import current_user

from scheduler.outputs.credential_gaps import wanting
from web import dashboard, store
from web.access import COORDINATORS, roles_required

bp = Blueprint("credential_gaps", __name__)


@bp.get("/plan/credentials")
@roles_required(*COORDINATORS)
def index():
    ids, region = dashboard.narrowed(current_user)
    dataset, pairs = dashboard.scoped_roster(store.published(), ids)
    gaps = wanting(dataset, pairs)
    names = {f.id: f.name for f in dataset.facilities}
    return render_template(
        "dashboard/credentials.html",
        gaps=gaps,
        names=names,
        region=region,
        scope=dashboard.region_label(region) if region else gettext("all regions"),
    )
