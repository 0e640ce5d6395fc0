"""Settings shared by every environment; every value can come from the environment."""

from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# Only a local default: production.py refuses to start without SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-never-used-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "accounts.wechat",  # WeChat login (allauth's weixin provider, adjusted): on when its app id is set
    "cycling",
    "core",
    "accounts",
    "routes",
    "events",
    "payments",
    "clubs",
    "industry",
    "timing",
]

MIDDLEWARE = [
    "core.observability.RequestIdMiddleware",  # first: every later log line carries the request id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.ratelimits.RateLimitedAnswer",
    "core.middleware.SiteUrlFromRequest",
]

ROOT_URLCONF = "cycling.urls"
WSGI_APPLICATION = "cycling.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

if not env("DATABASE_URL", default=""):
    VAR_DIR.mkdir(exist_ok=True)  # the embedded SQLite default lives in var/
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cycling.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if "postgresql" in DATABASES["default"]["ENGINE"]:  # an unreachable host fails in seconds, never hangs a worker
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout",
                                                              env.int("DB_CONNECT_TIMEOUT", default=5))
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# The hottest hand-written statements (the one-statement sign-up) are prepared on PostgreSQL
# (core.prepared); false behind a pooler that cannot keep them (PgBouncer in transaction mode < 1.21)
DATABASE_PREPARED = env.bool("DATABASE_PREPARED", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    # core.cache: misses instead of 500s while Redis is down (rate limits relax, the site serves)
    CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator"},  # its message in our catalogue
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "accounts:profile"
LOGIN_URL = "account_login"

# django-allauth, phone first (docs/accounts.md): sign up with a mobile number verified by an SMS
# code; log in with number, username or e-mail and a password, or by an SMS code; e-mail is
# optional (verified when given, not required to log in); login rate limits stay on.
ACCOUNT_LOGIN_METHODS = {"phone", "username", "email"}
# the phone is required by our sign-up form (accounts/forms.py); "optional" here only so that accounts
# made before phone sign-in (no number) still log in
ACCOUNT_SIGNUP_FIELDS = ["phone", "username*", "email", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "request_login_code": "accounts.forms.RequestLoginCodeForm"}
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 15 * 60
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}  # what SMS codes look like
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PREVENT_ENUMERATION = True  # never says whether a number or address has an account
# WeChat login: the open platform's website app (QR on a desktop) and, optionally, the official
# account's app (in-app inside WeChat). Off while WECHAT_LOGIN_APP_ID is empty.
SOCIALACCOUNT_ADAPTER = "accounts.wechat.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an address never logs anyone in to an existing account
SOCIALACCOUNT_LOGIN_ON_GET = False
_wechat_apps = []
if env("WECHAT_LOGIN_APP_ID", default=""):
    _wechat_apps.append({"client_id": env("WECHAT_LOGIN_APP_ID"), "secret": env("WECHAT_LOGIN_SECRET"),
                         "settings": {"kind": "website"}})
if env("WECHAT_MP_APP_ID", default=""):
    _wechat_apps.append({"client_id": env("WECHAT_MP_APP_ID"), "secret": env("WECHAT_MP_SECRET"),
                         "settings": {"kind": "in_app"}})
SOCIALACCOUNT_PROVIDERS = {"weixin": {"APPS": _wechat_apps}} if _wechat_apps else {}
# confirming in the same browser that signed up logs in and goes back where the rider was going
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Proxies in front of the app that append to X-Forwarded-For (nginx, a load balancer): every rate
# limit keys on the address the outermost of them saw (core/http.py). 0: no proxy, REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    "request_login_code": "20/m/ip,3/m/key",  # SMS codes: per address, per number
    "verify_phone": "1/30s/key,3/m/ip",
    "change_phone": "1/m/user",
}

# Text messages (core/sms.py, docs/accounts.md): console in development (codes printed), Alibaba
# Cloud or Tencent Cloud in production; templates approved in advance, one per kind of message.
SMS_BACKEND = env("SMS_BACKEND", default="console")
SMS_SIGN_NAME = env("SMS_SIGN_NAME", default="")
SMS_TEMPLATES = env.json("SMS_TEMPLATES", default={})  # {"code": "SMS_123", "confirmed": "SMS_124", ...}
# A text message part's price (fen) for the organizer's estimate before a message to the field
# (issue 28): ¥0.05, about what the SMS clouds charge in mainland China
SMS_PRICE_FEN = env.int("SMS_PRICE_FEN", default=5)
FIELD_MESSAGES_PER_HOUR = env.int("FIELD_MESSAGES_PER_HOUR", default=6)
# Finisher's certificates (timing/certificates.py): the first TrueType Chinese font found is embedded
# (Debian: fonts-wqy-microhei; Noto CJK's OpenType outlines cannot be embedded by reportlab)
CERTIFICATE_FONTS = env.list("CERTIFICATE_FONTS", default=[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc"])
SMS_DAILY_CAP_PER_NUMBER = env.int("SMS_DAILY_CAP_PER_NUMBER", default=10)
# The texts a stranger can make us send by typing a number (a code, "no account", "account exists"),
# counted in the database (core.sms.claim) so they hold while Redis is down: (count, seconds).
SMS_LIMITS = {
    "number": (3, 60),  # per number (allauth's own "3/m/key", kept when its cache is gone)
    "address": [(20, 60), (60, 3600), (200, 86400)],  # per asking address (one venue's NAT shares one)
    "no_account_per_number": (1, 86400),  # "this number has no account": once a day a number
    "no_account_per_address": (10, 3600),  # and at most ten numbers an hour from one address
}
SMS_ALIBABA = {"ACCESS_KEY_ID": env("ALIBABA_SMS_ACCESS_KEY_ID", default=""),
               "ACCESS_KEY_SECRET": env("ALIBABA_SMS_ACCESS_KEY_SECRET", default=""),
               "ENDPOINT": env("ALIBABA_SMS_ENDPOINT", default="dysmsapi.aliyuncs.com")}
SMS_TENCENT = {"SECRET_ID": env("TENCENT_SMS_SECRET_ID", default=""),
               "SECRET_KEY": env("TENCENT_SMS_SECRET_KEY", default=""),
               "APP_ID": env("TENCENT_SMS_APP_ID", default=""),
               "REGION": env("TENCENT_SMS_REGION", default="ap-guangzhou"),
               "ENDPOINT": env("TENCENT_SMS_ENDPOINT", default="sms.tencentcloudapi.com")}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
# Leaflet's files come from the django-leaflet package, served by us. The package is not an
# installed app: its admin module imports GeoDjango, which needs GDAL we do not use.
STATICFILES_DIRS = [BASE_DIR / "static", Path(find_spec("leaflet").origin).parent / "static"]
# Uploaded files (routes, rides, imports): local files under MEDIA_ROOT (the embedded default), or an
# S3-compatible object store shared by every web host and worker (docs/operations.md): Aliyun OSS,
# Tencent COS or MinIO, chosen by STORAGE_BACKEND=s3 and the S3_* variables. Every file goes through
# the storage API; downloads stream through Django with their attachment and nosniff headers.
STORAGE_BACKEND = env("STORAGE_BACKEND", default="local")
S3_OPTIONS = {
    "bucket_name": env("S3_BUCKET", default=""),
    "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,  # e.g. https://oss-cn-beijing.aliyuncs.com
    "access_key": env("S3_ACCESS_KEY_ID", default=""),
    "secret_key": env("S3_SECRET_ACCESS_KEY", default=""),
    "region_name": env("S3_REGION", default="") or None,  # e.g. oss-cn-beijing, ap-beijing
    "addressing_style": env("S3_ADDRESSING_STYLE", default="virtual"),  # OSS and COS: virtual; MinIO: path
    "signature_version": "s3v4",
    "default_acl": None,  # the bucket's own policy: private
    "querystring_auth": True,  # any URL handed out is signed ...
    "querystring_expire": 300,  # ... and short-lived
    "file_overwrite": False,  # a second upload under one name gets its own name, as on disk
}
STORAGES = {
    "default": ({"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": S3_OPTIONS} if STORAGE_BACKEND == "s3"
                else {"BACKEND": "django.core.files.storage.FileSystemStorage"}),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

# E-mail: EMAIL_URL (smtp://user:pass@host:587?tls=True) wins; else EMAIL_HOST and friends; else console.
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
elif env("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Xingtai Cycling <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.drf.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["core.drf.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
}
# Payment providers (payments/providers/, docs/payments.md): a merchant is switched on by setting
# its variables; keys are read from the files named here, never logged.
WECHATPAY = {
    "MCHID": env("WECHATPAY_MCHID", default=""),
    "APPID": env("WECHATPAY_APPID", default=""),
    "APIV3_KEY": env("WECHATPAY_APIV3_KEY", default=""),
    "CERT_SERIAL_NO": env("WECHATPAY_CERT_SERIAL_NO", default=""),
    "PRIVATE_KEY_FILE": env("WECHATPAY_PRIVATE_KEY_FILE", default=""),
    "PUBLIC_KEY_FILE": env("WECHATPAY_PUBLIC_KEY_FILE", default=""),  # WeChat Pay's public key ...
    "PUBLIC_KEY_ID": env("WECHATPAY_PUBLIC_KEY_ID", default=""),
    "CERT_DIR": env("WECHATPAY_CERT_DIR", default=""),  # ... or its platform certificates
    "GATEWAY": env("WECHATPAY_GATEWAY", default="https://api.mch.weixin.qq.com"),
}
ALIPAY = {
    "APPID": env("ALIPAY_APPID", default=""),
    "PRIVATE_KEY_FILE": env("ALIPAY_PRIVATE_KEY_FILE", default=""),
    "PUBLIC_KEY_FILE": env("ALIPAY_PUBLIC_KEY_FILE", default=""),  # Alipay's public key
    "SANDBOX": env.bool("ALIPAY_SANDBOX", default=False),
    "GATEWAY": env("ALIPAY_GATEWAY", default=""),  # empty: Alipay's (or its sandbox's)
}
PAYMENTS_TIMEOUT = (5, 15)  # seconds to connect, to read: a provider that does not answer is "down"
PAYMENTS_TRADE_PREFIX = env("PAYMENTS_TRADE_PREFIX", default="XT")  # out_trade_no = prefix + order id
PAYMENTS_MERCHANT = bool(WECHATPAY["MCHID"] or ALIPAY["APPID"])
# The development payment gateway (payments/providers/dev.py): on in development while no merchant is
# configured; production settings turn it off whatever the environment says.
PAYMENTS_DEV_GATEWAY = env.bool("PAYMENTS_DEV_GATEWAY", default=DEBUG and not PAYMENTS_MERCHANT)
NATIONAL_ID_RETENTION_DAYS = env.int("NATIONAL_ID_RETENTION_DAYS", default=30)  # erased this long after the event
SALES_ASYNC_BYTES = env.int("SALES_ASYNC_BYTES", default=2_000_000)  # larger sales files: background import
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=262_144)  # JSON bodies; files go as multipart
SPECTACULAR_SETTINGS = {
    "TITLE": "Xingtai Cycling API",
    "DESCRIPTION": "Routes, events, registrations, clubs and industry insights.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.openapi.error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "RouteStatusEnum": "routes.models.Route.Status",
        "RouteVersionStatusEnum": "routes.models.RouteVersion.Status",
        "HomeAreaEnum": "accounts.models.HomeArea",
        "RiderGenderEnum": "accounts.models.Gender",
        "CategoryGenderEnum": "events.models.Category.Gender",
        "EventKindEnum": "events.models.Event.Kind",
        "QuestionKindEnum": "events.models.Question.Kind",
        "EventStatusEnum": "events.models.Event.Status",
        "RegistrationStatusEnum": "events.models.Registration.Status",
        "RegistrationResultEnum": "events.models.Registration.Result",
    },
}

# Leaflet is served from our own static files (django-leaflet ships it); tiles are a setting.
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
MAP_TILE_CRS = env("MAP_TILE_CRS", default="wgs84")  # "gcj02" for AMap and other Chinese tiles



def _tile_source(url: str) -> list[str]:
    """The map tiles' origin for img-src: {s} subdomains become a wildcard."""
    if not url:
        return []
    parts = urlsplit(url)
    host = parts.netloc
    if "{" in host:
        host = "*." + host.split(".", 1)[1]
    return [f"{parts.scheme}://{host}"]


# Content-Security-Policy (django-csp): our own origin only, no inline script or style, no
# plug-ins, no framing; images also from the map tiles and data: URIs (Leaflet, Swagger UI).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_source(MAP_TILE_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Uploaded files are served (when Django serves them: DEBUG or SERVE_MEDIA) as downloads only:
# Content-Disposition: attachment and nosniff, so an upload can never render as a page.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True

# Celery. Without REDIS_URL tasks run inline, in the request that queued them.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # LOGGING applies in the worker too: JSON lines with the request id
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# The longest countdown/eta any code may ask for; cycling.celery refuses longer ones.
CELERY_MAX_COUNTDOWN = 3600
# Redis redelivers an unacknowledged task after the visibility timeout: it must exceed every
# countdown and time limit, or a long task or a delayed one would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing while Redis is down gives up after ~1 s instead of blocking the request; work queued
# after a commit is best-effort (core/queue.py) and beat's sweeps pick up what was not queued.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "cycling.heartbeat", "schedule": 60.0},
    "sweep": {"task": "cycling.sweep", "schedule": 300.0},  # work whose task was lost (cycling/tasks.py)
    "files-sweep": {"task": "cycling.files_sweep", "schedule": 3600.0},  # files no row references (core/files.py)
    "orders-expire": {"task": "payments.expire_orders", "schedule": 60.0},  # unpaid seats go back
    "refunds-follow": {"task": "payments.follow_refunds", "schedule": 300.0},  # refunds sent and asked about
    "event-holds": {"task": "events.expire_holds", "schedule": 300.0},  # team seats nobody confirmed
    "event-reminders": {"task": "events.send_reminders", "schedule": crontab(hour=9, minute=0)},
    "national-ids-erase": {"task": "events.erase_national_ids", "schedule": crontab(hour=3, minute=30)},  # PIPL
    "outbox": {"task": "core.send_outbox", "schedule": 60.0},  # safety net behind the kicks
    "club-dues-reminders": {"task": "clubs.send_dues_reminders", "schedule": crontab(hour=10, minute=0)},
    "industry-stats-nightly": {"task": "industry.compute_all_stats", "schedule": crontab(hour=2, minute=30)},
    "timing-closings": {"task": "timing.closings", "schedule": 120.0},  # riders out past a closing time: DNF
    "positions-erase": {"task": "timing.positions_erase", "schedule": crontab(hour=3, minute=45)},  # PIPL
}

# Log lines carry the request id (core/observability.py; a task carries its request's); LOG_FORMAT=json
# writes one JSON object a line (production's default) for the log collector.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.observability.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Watching it (docs/operations.md): /metrics answers Prometheus only with this bearer token (404
# without one set); errors go to a Sentry-compatible tracker when SENTRY_DSN is set.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="production")

# Route ingest limits (routes/services.py)
ROUTE_MAX_UPLOAD_BYTES = env.int("ROUTE_MAX_UPLOAD_BYTES", default=20_000_000)  # also caps gunzipped size
ROUTE_DEM_DIR = env.str("ROUTE_DEM_DIR", default="")  # a folder of SRTM .hgt tiles; docs/routes.md
ROUTE_MAX_FIT_BYTES = env.int("ROUTE_MAX_FIT_BYTES", default=8_000_000)  # FIT packs ~10x denser than GPX
ROUTE_MAX_POINTS = env.int("ROUTE_MAX_POINTS", default=200_000)
# the longest line a route or ride may have, checked right after parsing (a few hundred hostile
# bytes can describe a 250,000 km zigzag whose resampling every 10 m would take gigabytes)
ROUTE_MAX_KM = env.float("ROUTE_MAX_KM", default=5_000.0)
# unpacked size (a FIT counted tenfold) above which a worker measures a route or ride file, not the request
ROUTE_ASYNC_THRESHOLD_BYTES = env.int("ROUTE_ASYNC_THRESHOLD_BYTES", default=1_000_000)
# a page waiting for a worker (a ride being measured, a sales import, a report) reloads itself this often
PENDING_REFRESH_SECONDS = 3
ROUTE_LINE_MAX_POINTS = 1500
ROUTE_PROFILE_MAX_SAMPLES = 500
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Absolute links in e-mails and calendar files
SITE_URL = env("SITE_URL", default="")
# development without SITE_URL: links follow the address the site is served at (core/middleware.py)
SITE_URL_FROM_REQUEST = DEBUG and not SITE_URL
SITE_URL = SITE_URL or "http://127.0.0.1:8000"
