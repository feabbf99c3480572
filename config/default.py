"""Default configuration of wastesort.

Layered: this file, then the Python file named by ``WASTESORT_CONFIG`` (if any), then
environment variables ``WASTESORT_<KEY>`` (values parsed as JSON when they parse, e.g.
``WASTESORT_COLLECTION_MAX_WEIGHT_KG=80000``). See README.md for every key.
"""

# Database. None means the embedded SQLite file ``<instance>/wastesort.sqlite3``
# (foreign keys on, WAL). Production: "postgresql+psycopg://user@host/dbname".
SQLALCHEMY_DATABASE_URI = None
# PostgreSQL: a pooled connection idle this long is pinged before use (a server restart or a
# firewall may have dropped it); one in steady use is not (the ping is a round trip).
DATABASE_PING_AFTER_IDLE_SECONDS = 10

# Session signing key. Must be set in production (WASTESORT_SECRET_KEY); the default
# is generated per instance folder on first start, see wastesort.config.
SECRET_KEY = None

# The city's time zone: every "day" in the product is a calendar day here.
TIMEZONE = "Asia/Shanghai"

# Collections.
COLLECTION_MAX_WEIGHT_KG = 50_000  # one record
COLLECTION_BACKDATE_DAYS = 7  # how old a posting may be (admins may post older)
COLLECTION_BATCH_MAX = 1_000
# The phone posting screen (/post) asks before storing a weight that repeats a posting of the
# same point, day and category made less than this many minutes before (Back and send again
# under a fresh page's keys); 0 never asks. At most a day (1440).
NEAR_DUPLICATE_MINUTES = 10

# Inspections (wastesort/inspections; figures: docs/metrics.md).
INSPECTION_BACKDATE_DAYS = 7  # how old an inspection may be posted (admins may post older)
INSPECTION_BATCH_MAX = 200  # inspections in one batch (an inspector's offline day)
INSPECTION_STALE_DAYS = 14  # a community not inspected for more days than this is listed
PHOTO_MAX_BYTES = 5_000_000  # one photo (JPEG, PNG or WebP by content); wastesort/storage.py
# Hours the street's administrator has to deal with a reported bin problem, by kind; a task still
# open or acknowledged after that is overdue (escalated to the district's list and the reports).
BIN_TASK_DUE_HOURS = {"full": 4, "dirty": 24, "damaged": 48, "missing": 72}

# Facility intake: weighbridge tickets (wastesort/intake; figures: docs/metrics.md).
INTAKE_MAX_WEIGHT_KG = 60_000  # one ticket's net weight (a loaded compactor truck: ~20,000)
INTAKE_BACKDATE_DAYS = 31  # how old a ticket operators may post or void (a month's export)
INTAKE_BATCH_MAX = 1_000  # tickets in one API batch (an import takes up to IMPORT_MAX_ROWS)
# Collected against received: a stream's gap, either way, beyond this % of what was collected
# is flagged (and alerted, once a day); mixed transport needs a sorted stream short and
# residual waste over, each beyond its own tolerance.
INTAKE_GAP_TOLERANCE_PERCENT = {"recyclable": 10, "hazardous": 10, "kitchen": 5, "residual": 5}
# Resource-utilisation rate: the share of each treatment's tonnage that counts as recovered
# (0 to 1). Set them from the city's own method; these defaults count the bottom ash of
# incineration used as building material, the biogas, oil and compost of kitchen waste and the
# wood and metal of bulky waste, and nothing of landfill or hazardous-waste disposal.
RESOURCE_UTILISATION_COEFFICIENTS = {"incineration": 0.15, "kitchen_waste": 0.5,
                                     "hazardous_waste": 0.0, "landfill": 0.0, "other": 0.3}

# Household import (wastesort/households/upload_limits.py). Refused before parsing: more rows
# than this, or an XLSX that unpacks larger or is compressed more than this ("zip bombs").
IMPORT_MAX_ROWS = 100_000
IMPORT_MAX_ERRORS = 200  # problems listed; checking stops after them
IMPORT_XLSX_MAX_UNPACKED_MB = 50  # a real 100,000-row sheet unpacks to about 40 MB
IMPORT_XLSX_MAX_RATIO = 100  # compression; real sheets: about 14
IMPORT_PREVIEW_HOURS = 2  # an upload previewed but not confirmed is deleted after this

# Household codes an import accepts (a regular expression the whole code must match), and one
# such code for the messages and the import template. Default: the demo's 17 digits (district,
# town or street, community, household).
HOUSEHOLD_CODE_PATTERN = r"[0-9]{17}"
HOUSEHOLD_CODE_EXAMPLE = "50010300101000001"

# Figures (docs/metrics.md).
CAPACITY_WARNING_PERCENT = 85  # utilisation at or above this is a warning
COVERAGE_FULL_PERCENT = 95  # a town or street at or above this counts as covered

# Rankings (红黑榜, docs/metrics.md "Rankings"). The composite score is the weighted mean of each
# figure's score (0 the worst place ranked, 100 the best) with these weights, over the figures a
# place has; a weight of 0 leaves a figure out of the composite (it is still ranked on its own).
RANKING_WEIGHTS = {"coverage": 25, "residual_per_household": 20, "recyclable_per_household": 15,
                   "sorted_share": 15, "participation": 10, "accuracy": 10, "gap": 5}
RANKING_LIST_SIZE = 10  # places on the red list (best) and on the black list (worst)

# API.
API_PAGE_SIZE_DEFAULT = 50
API_PAGE_SIZE_MAX = 500
API_TOKEN_LIFETIME_DAYS = 90  # a token issued now answers 401 after this many days
MAX_CONTENT_LENGTH = 4 * 1024 * 1024  # bytes; uploads and batches above this get 413

# Languages.
BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
LANGUAGES = ["zh_Hans_CN", "en"]

# Reports and their schedule (cron in TIMEZONE).
REPORT_SCHEDULE = {
    "capacity:day": "0 7 * * *",
    "coverage:week": "0 8 * * mon",
    "capacity:month": "0 7 1 * *",
    "coverage:month": "0 8 1 * *",
    "ranking:month": "30 8 1 * *",  # 红黑榜: towns and streets ranked for last month
}
# How far back a (re)started scheduler makes missed reports; each entry looks back at least
# one period of its cadence and a day (daily 2 days, weekly 8, monthly 32).
REPORT_CATCHUP_DAYS = 14
DELIVERY_RETRY_BASE_SECONDS = 60  # back-off: base * 2**(attempt-1), up to the next setting
DELIVERY_RETRY_MAX_SECONDS = 1800  # the longest wait between two attempts of one delivery
DELIVERY_RETRY_FOR_HOURS = 24  # retry this long (the waits added up), then the delivery fails
DELIVERY_POLL_SECONDS = 60  # how often the scheduler sends due deliveries (and retries)
CAPACITY_ALERT_CHECK_MINUTES = 10  # the scheduler also checks today's utilisation this often
CAPACITY_ALERT_POSTING_INTERVAL_SECONDS = 10  # postings check a day at most this often (0: always)
FORECAST_CRON = "30 5 * * *"  # the scheduler makes the day's capacity forecast (a fit: seconds)

# E-mail. With MAIL_SERVER empty, messages go to <instance>/outbox/*.eml.
MAIL_SERVER = ""
MAIL_PORT = 25
MAIL_SECURITY = "none"  # none | starttls | tls
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_SENDER = "wastesort@localhost"
MAIL_TIMEOUT_SECONDS = 30  # connecting and each SMTP command
MAIL_DATA_TIMEOUT_SECONDS = 600  # the reply to a message's end (RFC 5321 4.5.3.2.6: 10 min)
# The e-mails' language, unless the address is an active user's who chose one on the pages;
# None: BABEL_DEFAULT_LOCALE.
MAIL_LOCALE = None

# Password hashing: "argon2id" (OWASP's parameters, wastesort/accounts/passwords.py), or a
# werkzeug method string ("pbkdf2:sha256:1000" makes tests fast). A password hashed otherwise
# is hashed again at its next successful login.
PASSWORD_HASH_METHOD = "argon2id"

# Session cookie.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Login sessions end after this long without a request, and this long after the login at the
# latest (also at logout and at a password, role or scope change).
SESSION_IDLE_MINUTES = 60
SESSION_ABSOLUTE_HOURS = 12

# Throttling (Flask-Limiter). Failed logins (a wrong name or password) per account and per
# client address, and API writes (POST, PUT, PATCH, DELETE) per token; over a limit: 429 with
# Retry-After. Limits read as "N per M minutes" (https://limits.readthedocs.io).
LOGIN_FAILURES_PER_ACCOUNT = "10 per 15 minutes"
LOGIN_FAILURES_PER_ADDRESS = "50 per 15 minutes"
API_WRITES_PER_TOKEN = "120 per minute"
# Where the counts live. "memory://" keeps them in each worker process (nothing to run, but
# each of N workers counts on its own); production: "redis://127.0.0.1:6379" (shared by
# every worker and server). If Redis cannot be reached, the counts fall back to memory.
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_KEY_PREFIX = "wastesort"
RATELIMIT_STRATEGY = "moving-window"
RATELIMIT_ENABLED = True
RATELIMIT_HEADERS_ENABLED = False  # wastesort.throttle sends Retry-After itself
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

# Reverse proxies in front of the service (0: none). With N > 0 the client's address and the
# scheme (HTTPS) are read from the X-Forwarded-* headers the last N proxies add (ProxyFix);
# with 0 those headers are ignored, as any client could send them.
TRUSTED_PROXIES = 0
# Send the session cookie over HTTPS only. Off for the embedded demo on http://127.0.0.1;
# on in production (config/production.py), where TLS ends at the proxy.
SESSION_COOKIE_SECURE = False
