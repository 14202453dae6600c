"""Settings for each environment, read from the environment (and `.env`)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("FINANCEAPP_INSTANCE", BASE_DIR / "instance"))

load_dotenv(BASE_DIR / ".env")

# Values that must never protect a production install.
INSECURE_SECRET_KEYS = {"", "dev", "changeme", "change-me", "secret", "development"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'financeapp.db'}"
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Give MySQL URLs the utf8mb4 charset so every table and text is full Unicode."""
    if url.startswith("mysql") and "charset=" not in url:
        url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    return url


def engine_options(url: str) -> dict:
    """Pool settings: MySQL drops idle connections, so check and recycle them."""
    if url.startswith("mysql"):
        return {"pool_pre_ping": True, "pool_recycle": 280}
    return {}


def development_secret_key() -> str:
    """Generate a secret once and keep it in instance/, so sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI)
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    BCRYPT_ROUNDS = int(os.environ.get("BCRYPT_ROUNDS", "12"))
    # Bank files of 100,000 rows reach 15 MB; receipts are far smaller.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "32")) * 1024 * 1024
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    # Receipts and invoices (financeapp/documents): a file above these caps is refused before it is stored,
    # and a reading still unfinished after the stale limit counts as failed (its job died) and can be retried.
    DOCUMENT_MAX_MB = int(os.environ.get("DOCUMENT_MAX_MB", "10"))
    DOCUMENT_MAX_PAGES = int(os.environ.get("DOCUMENT_MAX_PAGES", "10"))
    DOCUMENT_READING_STALE_MINUTES = int(os.environ.get("DOCUMENT_READING_STALE_MINUTES", "15"))

    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;100 per hour")
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "5 per minute;30 per hour")

    # The site's public address: every link in e-mail is built from it, never from the request's Host.
    BASE_URL = os.environ.get("BASE_URL", "")
    # Host names requests may use (comma-separated; "*": any). Default: BASE_URL's host, plus loopback
    # outside production.
    ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "")
    # Proxy headers are believed only from these: a hop count ("1") or addresses/CIDRs; unset: none.
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "")

    # AES-GCM key for secrets, account numbers and uploads (core/crypto.py); generated into instance/
    # outside production. ENCRYPTION_OLD_KEYS: keys still read while `flask security rotate-key` runs.
    ENCRYPTION_KEY = os.environ.get("ENCRYPTION_KEY", "")
    ENCRYPTION_OLD_KEYS = os.environ.get("ENCRYPTION_OLD_KEYS", "")

    # Webhooks may call private, loopback and link-local addresses only when the operator says so.
    WEBHOOK_ALLOW_PRIVATE = os.environ.get("WEBHOOK_ALLOW_PRIVATE", "") == "1"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_PROTECTION = "strong"
    # Sign-ins live on the server (auth/sessions.py) and end after this long unused.
    SESSION_IDLE_DAYS_REMEMBERED = float(os.environ.get("SESSION_IDLE_DAYS_REMEMBERED", "30"))  # float ok: days
    SESSION_IDLE_HOURS = float(os.environ.get("SESSION_IDLE_HOURS", "12"))  # float ok: hours

    # Operations (deploy/README.md): limits keep working on this process's memory while Redis is down.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # "json": one JSON object per line
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")  # GET /metrics with this Bearer token; unset: 404
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")  # reports and lists may read there
    DATABASE_REPLICA_LAG_SECONDS = float(os.environ.get("DATABASE_REPLICA_LAG_SECONDS", "10"))

    DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "en_US")
    DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "USD")
    DEMO_EMAIL = "demo@example.com"
    DEMO_PASSWORD = "demo-password-2026"


class DevelopmentConfig(Config):
    # Without SECRET_KEY in the environment, one is generated once into instance/.
    GENERATE_SECRET_KEY = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BCRYPT_ROUNDS = 4
    RAISE_UNEXPECTED = True
    # Tests that check CSRF and rate limits switch these back on for their own app.
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"


class ProductionConfig(Config):
    REQUIRE_SECRET_KEY = True
    REQUIRE_BASE_URL = True
    REQUIRE_ENCRYPTION_KEY = True
    SESSION_COOKIE_SECURE = os.environ.get("INSECURE_COOKIES", "") != "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[Config]:
    name = name or os.environ.get("FINANCEAPP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown FINANCEAPP_ENV {name!r}; use one of {', '.join(CONFIGS)}") from None
