"""The web app: a thin Flask layer over the `scheduler` engine.

For now it only says that it is alive; accounts, needs intake, solving and
schedules arrive with the web issues. It imports `scheduler`, never the
reverse, and holds no optimisation or pandas logic of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify

import scheduler


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev")
    if test_config is None:
        app.config.from_prefixed_env(prefix="SCHEDULER")
    else:
        app.config.from_mapping(test_config)

    @app.get("/healthz")
    def health():
        return jsonify(status="ok", engine=scheduler.__version__)

    return app
