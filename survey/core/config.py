"""Configuration defaults and instance secrets."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

DEFAULTS = {
    "SITE_NAME": "社会认可度调查系统",
    # console forms: the token lives as long as the session (respondents use their ticket)
    "WTF_CSRF_TIME_LIMIT": None,
    # respondents come from inside WeChat, which often sends no Referer
    "WTF_CSRF_SSL_STRICT": False,
    #: staff sessions (survey/auth/sessions.py): signed out after this long without a request,
    #: and after this long in any case
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 12,
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    #: days the audit log is kept in the database at least (网络安全法 第21条: six months);
    #: `flask audit-archive` moves older entries to a file
    "AUDIT_RETENTION_DAYS": 180,
    #: admins must confirm sign-in with an authenticator app (TOTP) when True
    "REQUIRE_ADMIN_TOTP": False,
    #: days after which a password must be changed (0: never)
    "PASSWORD_MAX_AGE_DAYS": 0,
    "SESSION_COOKIE_HTTPONLY": True,
    #: None: Secure when BASE_URL is https:// (survey/core/settings.py); True/False to force
    "SESSION_COOKIE_SECURE": None,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": None,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,  # assets are referenced with a content hash
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "application/javascript",
        "text/javascript",
        "application/json",
        "image/svg+xml",
        "text/csv",
    ],
    "COMPRESS_MIN_SIZE": 500,
    #: the largest request body (uploads): a school list or paper answers fit easily
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
    "BASE_URL": "http://127.0.0.1:5000",
    "TICKET_MAX_AGE": 14 * 24 * 3600,  # a served form stays submittable this long
    "RESPONSE_COOKIE_DAYS": 180,
    # sheets one phone may send for one open link: its owner's, then "为另一位家长填写" (a
    # family sharing a phone); each is its own ticket, stored once and screened as any other
    "SHEETS_PER_PHONE": 3,
    # Rate limits (Flask-Limiter syntax). A class of 60 pupils in a computer room shares one
    # address: the per-address limits leave room for that; a script flooding one link does not.
    #: local:// counts per process (survey/core/rate_store.py); REDIS_URL shares them
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "local://",
    "RATELIMIT_HEADERS_ENABLED": True,
    #: Redis down: the sign-in limit falls back to per-process memory (logged) instead of a 500
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATE_SUBMIT_PER_ADDRESS": "120/minute",
    "RATE_SUBMIT_PER_LINK": "600/minute",
    "RATE_PAGE_PER_ADDRESS": "600/minute",
    "RATE_LOGIN_PER_ADDRESS": "20/minute",
    #: trust this many proxies' X-Forwarded-For / -Proto / -Host (0: not behind a proxy)
    "PROXY_COUNT": 0,
    #: seconds a worker keeps a survey link with its school and campaign in memory; closing a
    #: campaign reaches every worker within this time (the editing worker at once)
    "LINK_CACHE_SECONDS": 60,
    #: how often each process reads every campaign's status: a close takes effect within this
    #: and the time of a request, so half a second keeps every worker inside the 1-s promise
    "CAMPAIGN_STATE_SECONDS": 0.5,
    #: networks (CIDR) from which /console/metrics is served without signing in: the
    #: Prometheus server's, e.g. ["10.0.0.5/32"]; admins can always read it
    "METRICS_NETWORKS": [],
    #: how often an open dashboard fetches fresh counts
    "DASHBOARD_REFRESH_SECONDS": 30,
}


def database_url(instance_path: str) -> str:
    """DATABASE_URL from the environment, else SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "survey.db")
    return normalise_url(url)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgres URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secrets(instance_path: str) -> dict[str, str]:
    """Read (or create once) the secret key and the network-hash salt kept in instance/.

    They never go into git: instance/ is ignored except its README.
    """
    path = Path(instance_path) / "secrets.json"
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
    else:
        data = {}
    changed = False
    for key in ("SECRET_KEY", "NETWORK_SALT"):
        if not data.get(key):
            data[key] = secrets.token_hex(32)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return data
