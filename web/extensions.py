"""The Flask extensions, created unbound and attached in `create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
# Only the login form is limited; the in-memory store suits one process, and
# RATELIMIT_STORAGE_URI points it at Redis when several processes serve.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
