"""Settings for shishi: one file, driven by environment variables (see README)."""

import warnings
from pathlib import Path

import dj_database_url

from shishi.env import envbool, envint, envlist, envrate, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and envbool("SHISHI_REQUIRE_SECRET_KEY", False):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-demo-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "shishi.core.http.csrf_failure"  # a message a person can act on

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "shishi.core",
    "shishi.orgs",
    "shishi.jobs",
    "shishi.workdays",
    "shishi.notify",
    "shishi.ledger",
    "shishi.board",
    "shishi.reports",
    "shishi.supervision",
    "shishi.demands",
    "shishi.appointments",
    "shishi.enterprise",
    "shishi.education",
    "shishi.portal",
    "shishi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shishi.core.middleware.SecurityHeadersMiddleware",
    # A login from an address this process knows is locked: refused before anything else.
    "shishi.core.throttle.LockedLoginMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The input rule (no control characters, upload total) before the session is read.
    "shishi.core.inputs.InputRuleMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shishi.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shishi.orgs.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shishi.core.http.ServiceErrorMiddleware",
]

ROOT_URLCONF = "shishi.urls"
WSGI_APPLICATION = "shishi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shishi" / "templates"],
        "OPTIONS": {
            # Templates are parsed once per process and kept (the cached loader; with DEBUG
            # off Django would pick it anyway, template_partials would wrap one in: say it
            # here). The partials loader on top serves "page.html#partial" names.
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'shishi.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN, so concurrent writers queue on busy_timeout instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters travel apart from the SQL, so psycopg can prepare a statement the fifth time
    # a connection runs it: PostgreSQL then skips parsing and planning, which for the ledger's
    # joins cost more than running them. Off (0) behind a pooler that cannot keep prepared
    # statements, such as PgBouncer in transaction mode before 1.21.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"
# The throttle first: a locked account or address is refused before the password is hashed
# (shishi.core.throttle).
AUTHENTICATION_BACKENDS = [
    "shishi.core.throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Passwords (等保 level 3: length and character classes): at least 10 characters of three of
# the four classes (lower, upper, digits, symbols), not like the account's names, not a
# common password, not all digits.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("SHISHI_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "shishi.orgs.passwords.CharacterClassesValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "shishi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS: list[str | tuple[str, str]] = [str(BASE_DIR / "shishi" / "static")]
_NODE_MODULES = BASE_DIR / "node_modules"
for _prefix, _dist in (("vendor/htmx", "htmx.org/dist"), ("vendor/echarts", "echarts/dist")):
    if (_NODE_MODULES / _dist).is_dir():
        STATICFILES_DIRS.append((_prefix, str(_NODE_MODULES / _dist)))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (demo, tests) whitenoise serves through the finders; after it
# (production) from STATIC_ROOT only, where the compressed copies are: the finders' entries
# would replace them with the uncompressed originals. Its warning that STATIC_ROOT does not
# exist yet is noise in the first case.
WHITENOISE_USE_FINDERS = not STATIC_ROOT.is_dir()
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
SHISHI_MAX_UPLOAD_BYTES = envint("SHISHI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Ledger sheets (issue 13): the most rows a sheet of one import may have; sheets with more
# rows than SHISHI_IMPORT_BACKGROUND_ROWS are previewed and imported by a background task;
# items read per query (and per prefetch) when exporting.
SHISHI_IMPORT_MAX_ROWS = envint("SHISHI_IMPORT_MAX_ROWS", 20_000)
SHISHI_IMPORT_BACKGROUND_ROWS = envint("SHISHI_IMPORT_BACKGROUND_ROWS", 2_000)
SHISHI_EXPORT_CHUNK = envint("SHISHI_EXPORT_CHUNK", 2_000)
# Working days past its answer-by date a leader's instruction turns from a yellow to a red
# card (supervision.cards; a rectification's is set per round).
SHISHI_INSTRUCTION_RED_AFTER_WORKDAYS = envint("SHISHI_INSTRUCTION_RED_AFTER_WORKDAYS", 3)
# The 12345 hotline's webhook secrets per district: "230103:secret,230111:secret2"
# (demands.hotline: the hotline signs each ticket with its district's secret).
SHISHI_HOTLINE_SECRETS = envstr("SHISHI_HOTLINE_SECRETS", "")

# Uploads (shishi.core.uploads): the files of one request together, and all the files of one
# record (an item's progress attachments and change-request files).
SHISHI_MAX_REQUEST_UPLOAD_BYTES = envint("SHISHI_MAX_REQUEST_UPLOAD_BYTES", 50 * 1024 * 1024)
SHISHI_ITEM_QUOTA_BYTES = envint("SHISHI_ITEM_QUOTA_BYTES", 500 * 1024 * 1024)


# Django's database sessions. Not ``cached_db``: without a shared cache (none is configured)
# each process would keep serving a session another process had ended at logout.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Seconds a live board is kept per process (0: never); a reassessment changes its key, so
# this only bounds how long a renamed unit or a new weekly snapshot takes to show.
SHISHI_BOARD_CACHE_SECONDS = envint("SHISHI_BOARD_CACHE_SECONDS", 60)

# Demo deployments show the demo logins on the login page.
SHISHI_DEMO = envbool("SHISHI_DEMO", False)

# Personal data at rest (shishi.core.pii, docs/operations.md "Personal data"): encryption
# keys "id:secret,…" newest first (without them the one key k0 is SHISHI_PII_KEY, else
# SECRET_KEY); the lookup-hash secret (default SHISHI_PII_KEY, else SECRET_KEY); the
# algorithms: intl (AES-256-GCM, HMAC-SHA256) or gm (SM4, HMAC-SM3).
SHISHI_PII_KEY = envstr("SHISHI_PII_KEY", "")
SHISHI_PII_KEYS = envstr("SHISHI_PII_KEYS", "")
SHISHI_PII_LOOKUP_KEY = envstr("SHISHI_PII_LOOKUP_KEY", "")
SHISHI_CRYPTO = envstr("SHISHI_CRYPTO", "intl").strip().lower() or "intl"
if SHISHI_CRYPTO not in ("intl", "gm"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"SHISHI_CRYPTO must be intl or gm, not {SHISHI_CRYPTO!r}")
if SHISHI_PII_KEYS:  # a malformed list stops start-up, naming the setting (never a secret)
    from shishi.core.pii import parse_keys

    parse_keys(SHISHI_PII_KEYS)

# Working-day calendar (shishi.workdays.calendar, docs/workdays.md): the office's hours on a
# working day, "HH:MM-HH:MM" periods in order, comma-separated, Asia/Shanghai time, used by
# add_working_hours; and how many seconds a process may count with its loaded years before it
# checks whether an office changed the calendar (one small query).
SHISHI_OFFICE_HOURS = envstr("SHISHI_OFFICE_HOURS", "08:30-12:00,13:30-17:30")
SHISHI_WORKDAYS_CHECK_SECONDS = envint("SHISHI_WORKDAYS_CHECK_SECONDS", 5)

# Background work: Django's tasks API on the database backend; `shishi worker` runs it
# (the jobs app adds the scheduler, retries and recovery the backend lacks).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Notifications' delivery channels (docs/notifications.md). Every HTTP channel (SMS gateway,
# WeCom and DingTalk robots) goes out through SHISHI_OUTBOUND_PROXY when it is set: 政务外网
# reach the internet only through a proxy. Timeouts are in seconds.
SHISHI_OUTBOUND_PROXY = envstr("SHISHI_OUTBOUND_PROXY", "")
SHISHI_NOTIFY_CONNECT_TIMEOUT = envint("SHISHI_NOTIFY_CONNECT_TIMEOUT", 5)
SHISHI_NOTIFY_READ_TIMEOUT = envint("SHISHI_NOTIFY_READ_TIMEOUT", 15)
SHISHI_SMS_URL = envstr("SHISHI_SMS_URL", "")
SHISHI_SMS_KEY = envstr("SHISHI_SMS_KEY", "")
SHISHI_SMS_SECRET = envstr("SHISHI_SMS_SECRET", "")
SHISHI_SMS_SIGN = envstr("SHISHI_SMS_SIGN", "【为民办实事】")  # the registered sign, with its 【】
SHISHI_WECOM_URL = envstr("SHISHI_WECOM_URL", "https://qyapi.weixin.qq.com")
SHISHI_DINGTALK_URL = envstr("SHISHI_DINGTALK_URL", "https://oapi.dingtalk.com")
# E-mail over SMTP to the office's relay (Django's mail settings). A relay reached only through
# the outbound proxy: EMAIL_BACKEND=shishi.notify.channels.email.ProxiedEmailBackend.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 15)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "shishi@localhost")

# Notifications (the notify app). The site's address for links in e-mails, SMS and robot
# messages; the SMS sign (【…】); per recipient and channel at most so many messages an hour
# (the rest wait for the next hour); temporary failures retried with a doubling back-off
# from SHISHI_NOTIFY_RETRY_SECONDS, SHISHI_NOTIFY_MAX_ATTEMPTS tries in all; a delivery still
# "sending" after SHISHI_NOTIFY_SENDING_TIMEOUT seconds is marked unknown (its worker died);
# group robots get at most SHISHI_NOTIFY_ROBOT_PER_MINUTE messages a minute; the worker
# takes deliveries SHISHI_NOTIFY_BATCH to a task.
SHISHI_SITE_URL = envstr("SHISHI_SITE_URL", "http://127.0.0.1:8000")
SHISHI_NOTIFY_RATE_LIMITS = {
    "sms": envint("SHISHI_NOTIFY_SMS_PER_HOUR", 5),
    "email": envint("SHISHI_NOTIFY_EMAIL_PER_HOUR", 30),
}
SHISHI_NOTIFY_RETRY_SECONDS = envint("SHISHI_NOTIFY_RETRY_SECONDS", 30)
SHISHI_NOTIFY_MAX_ATTEMPTS = envint("SHISHI_NOTIFY_MAX_ATTEMPTS", 5)
SHISHI_NOTIFY_SENDING_TIMEOUT = envint("SHISHI_NOTIFY_SENDING_TIMEOUT", 600)
SHISHI_NOTIFY_ROBOT_PER_MINUTE = envint("SHISHI_NOTIFY_ROBOT_PER_MINUTE", 20)
SHISHI_NOTIFY_BATCH = envint("SHISHI_NOTIFY_BATCH", 500)

# The audit log (shishi.core.auditkeys, docs/operations.md "The audit log"). Events are sealed
# with an HMAC keyed by SHISHI_AUDIT_KEYS ("id1:secret1,id2:secret2": the first seals new
# events, the rest verify old ones; derived from SECRET_KEY when empty, which `check` warns
# about in production). SHISHI_CRYPTO: "intl" (AES-GCM, SHA-256) or "gm" (SM4, SM3) where a
# 密评 assessment requires the national algorithms; SHISHI_AUDIT_HASH ("sha256" or "sm3")
# chooses the chain's hash alone. Signed checkpoints of the chain are appended to a file in
# SHISHI_AUDIT_CHECKPOINT_DIR ("" for none). Audit events are kept at least
# SHISHI_AUDIT_RETENTION_DAYS days (等保 level 3: six months; nothing deletes younger ones).
# (SHISHI_CRYPTO is read with the personal-data settings above.)
SHISHI_AUDIT_KEYS = envstr("SHISHI_AUDIT_KEYS", "")
SHISHI_AUDIT_HASH = envstr("SHISHI_AUDIT_HASH", "").strip().lower()
if SHISHI_AUDIT_HASH not in ("", "sha256", "sm3"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"SHISHI_AUDIT_HASH must be sha256 or sm3, not {SHISHI_AUDIT_HASH!r}"
    )
SHISHI_AUDIT_CHECKPOINT_DIR = envstr("SHISHI_AUDIT_CHECKPOINT_DIR", str(BASE_DIR / "var" / "audit"))
SHISHI_AUDIT_RETENTION_DAYS = envint("SHISHI_AUDIT_RETENTION_DAYS", 365)
if SHISHI_AUDIT_RETENTION_DAYS < 180:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SHISHI_AUDIT_RETENTION_DAYS must be at least 180 (six months), "
        f"not {SHISHI_AUDIT_RETENTION_DAYS}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Phone and ID numbers are masked in every record before a handler writes it.
    "filters": {"personal_numbers": {"()": "shishi.core.pii_text.RedactingFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_numbers"]},
        # runserver's request lines (a query string may carry a number)
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["personal_numbers"],
        },
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    "loggers": {
        # httpx logs each request's URL at INFO, and a robot's URL carries its key.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # Django's own console and mail handlers would write unfiltered: its records go to
        # the root's filtered handler instead (as they did when DEBUG was off).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
# Error reports (DEBUG pages, mails to ADMINS) mask phone and ID numbers in request data.
DEFAULT_EXCEPTION_REPORTER_FILTER = "shishi.core.pii_text.RedactingExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "shishi.core.pii_text.RedactingExceptionReporter"

# --- Security: HTTPS, headers, login throttling, public rate limits --------------------------
# Behind HTTPS (docs/operations.md, "Production environment"): every one of these from the
# environment, so `shishi check --deploy` is clean with the documented production values.
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = envstr("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The proxy in front terminates TLS and says so in X-Forwarded-Proto: trust the header only
# when it is there (a client could send it too when nothing strips it).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("SHISHI_BEHIND_TLS_PROXY", False) else None
)
# How many proxies of ours stand in front: the client's address is taken that many hops from
# the right of X-Forwarded-For (0: REMOTE_ADDR). Used by login throttling and rate limits.
SHISHI_TRUSTED_PROXIES = envint("SHISHI_TRUSTED_PROXIES", 0)

# Content-Security-Policy of every response (core.middleware.SecurityHeadersMiddleware): no
# inline script or style anywhere; images may be data: URLs (the board's PNG export draws
# the charts' own images).
SHISHI_CSP: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
if envstr("SHISHI_CSP_REPORT_URI", ""):
    SHISHI_CSP["report-uri"] = [envstr("SHISHI_CSP_REPORT_URI", "")]
SHISHI_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Login throttling (shishi.core.throttle): failures per account and per client address within
# the window lock it for the lock seconds, doubling with each further lock up to the maximum.
SHISHI_LOGIN_WINDOW_SECONDS = envint("SHISHI_LOGIN_WINDOW_SECONDS", 900)
SHISHI_LOGIN_ACCOUNT_FAILURES = envint("SHISHI_LOGIN_ACCOUNT_FAILURES", 5)
SHISHI_LOGIN_ACCOUNT_LOCK_SECONDS = envint("SHISHI_LOGIN_ACCOUNT_LOCK_SECONDS", 60)
SHISHI_LOGIN_ACCOUNT_MAX_LOCK_SECONDS = envint("SHISHI_LOGIN_ACCOUNT_MAX_LOCK_SECONDS", 900)
SHISHI_LOGIN_ADDRESS_FAILURES = envint("SHISHI_LOGIN_ADDRESS_FAILURES", 20)
SHISHI_LOGIN_ADDRESS_LOCK_SECONDS = envint("SHISHI_LOGIN_ADDRESS_LOCK_SECONDS", 300)
SHISHI_LOGIN_ADDRESS_MAX_LOCK_SECONDS = envint("SHISHI_LOGIN_ADDRESS_MAX_LOCK_SECONDS", 3600)

# Per-client limits of public endpoints (shishi.core.ratelimit): "requests/seconds", or "off".
SHISHI_RATE_LIMITS = {
    "search": envrate("SHISHI_RATE_SEARCH", "60/60"),  # the portal's search
    "open_data": envrate("SHISHI_RATE_OPEN_DATA", "60/60"),  # items.json and items.csv
    "public_form": envrate("SHISHI_RATE_PUBLIC_FORM", "10/600"),  # residents' forms to come
    "open311": envrate("SHISHI_RATE_OPEN311", "120/60"),  # Open311 GETs, per client
    "open311_post": envrate("SHISHI_RATE_OPEN311_POST", "60/60"),  # Open311 POSTs, per key
    # The demands' public intake (docs/demands.md, "Intake"): codes per client and per phone,
    # demands filed per phone, the tracking page per client.
    "demand_code_client": envrate("SHISHI_RATE_DEMAND_CODE_CLIENT", "10/3600"),
    "demand_code_phone": envrate("SHISHI_RATE_DEMAND_CODE_PHONE", "5/3600"),
    "demand_submit_phone": envrate("SHISHI_RATE_DEMAND_SUBMIT_PHONE", "10/3600"),
    "demand_track": envrate("SHISHI_RATE_DEMAND_TRACK", "30/600"),
    # Health-certificate verification (docs/appointments.md), the page and its JSON, per client.
    "certificate_verify": envrate("SHISHI_RATE_CERTIFICATE_VERIFY", "60/60"),
    # Appointments' public booking (docs/appointments.md, "Booking"): bookings per phone, the
    # look-up page per client (the SMS codes count against demand_code_client/_phone).
    "booking_submit_phone": envrate("SHISHI_RATE_BOOKING_SUBMIT_PHONE", "5/3600"),
    "booking_lookup": envrate("SHISHI_RATE_BOOKING_LOOKUP", "30/600"),
}
# h18-push: a pushed policy's read-receipt page (docs/enterprise.md, "Pushes"), per client.
SHISHI_RATE_LIMITS["policy_read"] = envrate("SHISHI_RATE_POLICY_READ", "60/60")
# Red landmarks (docs/education.md, "Check-in"): check-ins per client (at most 10 a minute).
SHISHI_RATE_LIMITS["landmark_check_in"] = envrate("SHISHI_RATE_LANDMARK_CHECK_IN", "10/60")
SHISHI_RATELIMIT_CACHE = "ratelimit"
# Open311 (docs/demands.md): the discovery document's contact line.
SHISHI_OPEN311_CONTACT = envstr(
    "SHISHI_OPEN311_CONTACT", "群众诉求Open311接口：请联系所在区的为民办实事专班"
)
# Where a place (stored WGS-84) opens on a map (core.geo.map_link): "amap" (GCJ-02), "baidu"
# (BD-09), "osm" (WGS-84), or "" for no link (an intranet without map access).
SHISHI_MAP_LINK = envstr("SHISHI_MAP_LINK", "amap")
# h19-map: the public guide map's tiles (docs/education.md, "Guide map"). Without a tile URL
# the map page is a list with addresses (an intranet). The URL template is Leaflet's
# ({z}/{x}/{y}, {s} for a subdomain), DATUM the coordinates its tiles are drawn in: "wgs84"
# (天地图, OpenStreetMap), "gcj02" (AMap, Tencent) or "bd09" (Baidu); markers are converted
# to it on the server. LABELS_URL: an optional second layer drawn over the first (天地图's
# annotation layer, cva_w). Their hosts join the CSP's img-src; Leaflet is served from
# node_modules like htmx and ECharts.
from urllib.parse import urlsplit  # noqa: E402 (this block's own)

from django.core.exceptions import ImproperlyConfigured  # noqa: E402

_MAP_TILE_URL = envstr("SHISHI_MAP_TILES_URL", "").strip()
_MAP_TILE_LABELS = envstr("SHISHI_MAP_TILES_LABELS_URL", "").strip() if _MAP_TILE_URL else ""
_MAP_TILE_SUBDOMAINS = envlist("SHISHI_MAP_TILES_SUBDOMAINS", ["a", "b", "c"])
SHISHI_MAP_TILES: dict[str, str | int | list[str]] = {
    "url": _MAP_TILE_URL,
    "labels_url": _MAP_TILE_LABELS,
    "datum": envstr("SHISHI_MAP_TILES_DATUM", "wgs84").strip().lower(),
    "attribution": envstr("SHISHI_MAP_TILES_ATTRIBUTION", ""),
    "subdomains": _MAP_TILE_SUBDOMAINS,
    "max_zoom": envint("SHISHI_MAP_TILES_MAX_ZOOM", 18),
}
if SHISHI_MAP_TILES["datum"] not in {"wgs84", "gcj02", "bd09"}:
    raise ImproperlyConfigured("SHISHI_MAP_TILES_DATUM must be wgs84, gcj02 or bd09")


def _tile_origins(template: str, subdomains: list[str]) -> list[str]:
    """The origins a tile URL template loads images from ({s} spelt out per subdomain)."""
    parts = urlsplit(template)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"a map tile URL must be http(s)://host/...: {template!r}")
    hosts = [parts.netloc.replace("{s}", s) for s in subdomains] if "{s}" in parts.netloc else []
    return [f"{parts.scheme}://{host}" for host in (hosts or [parts.netloc])]


for _template in (_MAP_TILE_URL, _MAP_TILE_LABELS):
    for _origin in _tile_origins(_template, _MAP_TILE_SUBDOMAINS) if _template else []:
        if _origin not in SHISHI_CSP["img-src"]:
            SHISHI_CSP["img-src"].append(_origin)
if (_NODE_MODULES / "leaflet/dist").is_dir():
    STATICFILES_DIRS.append(("vendor/leaflet", str(_NODE_MODULES / "leaflet/dist")))
# /h19-map
# Caches are per process (Django's memory cache): the rate-limit counts, and the portal's
# open data kept under each programme's publication version (portal.views).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
    "public": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
# Seconds the portal's open data is kept per process under its publication version (0: not
# kept); it also bounds how long a change no item announces (a unit renamed) takes to show.
SHISHI_PUBLIC_CACHE_SECONDS = envint("SHISHI_PUBLIC_CACHE_SECONDS", 60)
# Refusals past a limit (429) are not logged one by one: a flood of them would flood the log.
LOGGING["filters"]["skip_429"] = {"()": "shishi.core.ratelimit.SkipTooManyRequests"}  # type: ignore[index]
LOGGING["loggers"]["django.request"] = {"filters": ["skip_429"]}  # type: ignore[index]

# Demands' three rates (issue 16, ``demands.rates``): the weight a 基本满意 answer has in the
# satisfaction rate, the composite score's weights of the response, resolution and
# satisfaction rates (Beijing's 接诉即办: 10 %, 45 %, 45 %), and the day of the month a
# rating month starts on (1: calendar months; 21: "June" runs 21 May – 20 June).
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

try:
    SHISHI_DEMAND_RATE_BASICALLY_WEIGHT = float(
        envstr("SHISHI_DEMAND_RATE_BASICALLY_WEIGHT", "0.8")
    )
    SHISHI_DEMAND_RATE_WEIGHTS = tuple(
        float(w) for w in envstr("SHISHI_DEMAND_RATE_WEIGHTS", "0.1,0.45,0.45").split(",")
    )
except ValueError as exc:
    raise ImproperlyConfigured(
        "SHISHI_DEMAND_RATE_BASICALLY_WEIGHT must be a number and SHISHI_DEMAND_RATE_WEIGHTS "
        "three numbers separated by commas"
    ) from exc
if len(SHISHI_DEMAND_RATE_WEIGHTS) != 3:
    raise ImproperlyConfigured("SHISHI_DEMAND_RATE_WEIGHTS must be three numbers")
SHISHI_DEMAND_RATE_MONTH_START_DAY = envint("SHISHI_DEMAND_RATE_MONTH_START_DAY", 1)

# Appointments (issue 17, docs/appointments.md "Booking"): how many days ahead a slot may be
# booked.
SHISHI_BOOKING_DAYS_AHEAD = envint("SHISHI_BOOKING_DAYS_AHEAD", 14)

# <requests> Enterprise service requests (issue 18, docs/enterprise.md "Service requests"):
# the default time limit in working days per kind (the office may set another on
# assignment), and the public form's limits — requests filed per phone, the tracking page
# per client (the SMS codes count against demand_code_client/_phone, the form against
# public_form).
SHISHI_ENTERPRISE_REQUEST_DAYS = {
    "financing": envint("SHISHI_ENTERPRISE_REQUEST_DAYS_FINANCING", 10),
    "green_channel": envint("SHISHI_ENTERPRISE_REQUEST_DAYS_GREEN_CHANNEL", 3),
    "site": envint("SHISHI_ENTERPRISE_REQUEST_DAYS_SITE", 15),
    "talent": envint("SHISHI_ENTERPRISE_REQUEST_DAYS_TALENT", 10),
    "other": envint("SHISHI_ENTERPRISE_REQUEST_DAYS_OTHER", 10),
}
SHISHI_RATE_LIMITS["enterprise_request_phone"] = envrate(
    "SHISHI_RATE_ENTERPRISE_REQUEST_PHONE", "5/3600"
)
SHISHI_RATE_LIMITS["enterprise_request_track"] = envrate(
    "SHISHI_RATE_ENTERPRISE_REQUEST_TRACK", "30/600"
)
