"""The console app's Flask extensions, unbound (bound in survey.create_console_app).

The database object both apps share is in survey/core/database.py."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from . import rate_store  # noqa: F401 - registers the local:// limiter storage

csrf = CSRFProtect()
migrate = Migrate()
#: storage from RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set, else local://)
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
