"""Configuration in layers, validated once at start-up.

Order: ``config/default.py`` → the file named by ``WASTESORT_CONFIG`` → ``WASTESORT_*``
environment variables → the mapping passed to ``create_app`` (tests). A bad setting raises
:class:`ConfigError` with one line naming it; the CLI and ``wsgi.py`` print that line and exit
instead of showing a traceback.
"""

import math
import os
import re
import secrets
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "default.py"


class ConfigError(Exception):
    """A setting is wrong; the message names it and says why."""


def load_config(app: Flask, overrides: dict | None) -> None:
    app.config.from_pyfile(str(DEFAULTS_FILE))
    extra = os.environ.get("WASTESORT_CONFIG")
    if extra:
        try:
            app.config.from_pyfile(extra)
        except OSError as exc:
            raise ConfigError(f"WASTESORT_CONFIG: cannot read {extra!r} ({exc.strerror})") from None
        except Exception as exc:  # a syntax or runtime error inside the file
            raise ConfigError(f"WASTESORT_CONFIG: {extra!r} is not valid Python ({exc})") from None
    app.config.from_prefixed_env("WASTESORT")
    if overrides:
        app.config.update(overrides)
    _complete_and_check(app)


def _complete_and_check(app: Flask) -> None:
    cfg = app.config
    _require_writable_folder(Path(app.instance_path))

    try:
        cfg["TZ"] = ZoneInfo(str(cfg["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE: unknown time zone {cfg['TIMEZONE']!r}") from None

    uri = cfg.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = f"sqlite:///{Path(app.instance_path) / 'wastesort.sqlite3'}"
        cfg["SQLALCHEMY_DATABASE_URI"] = uri
    try:
        url = make_url(uri)
        url.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError(f"SQLALCHEMY_DATABASE_URI: not a usable database URL ({exc})") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError("SQLALCHEMY_DATABASE_URI: only sqlite and postgresql are supported")
    # PostgreSQL connections idle past DATABASE_PING_AFTER_IDLE_SECONDS are pinged before use
    # (wastesort.database), not every checkout as pool_pre_ping would.
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    ping = cfg.get("DATABASE_PING_AFTER_IDLE_SECONDS")
    if isinstance(ping, bool) or not isinstance(ping, int | float) or not 0 <= ping < math.inf:
        raise ConfigError("DATABASE_PING_AFTER_IDLE_SECONDS: must be a number of seconds >= 0, "
                          f"got {ping!r}")

    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    for key in ("COLLECTION_MAX_WEIGHT_KG", "COLLECTION_BACKDATE_DAYS", "COLLECTION_BATCH_MAX",
                "API_PAGE_SIZE_MAX", "IMPORT_MAX_ROWS", "IMPORT_MAX_ERRORS",
                "IMPORT_XLSX_MAX_UNPACKED_MB", "IMPORT_XLSX_MAX_RATIO", "IMPORT_PREVIEW_HOURS",
                "API_TOKEN_LIFETIME_DAYS", "INSPECTION_BACKDATE_DAYS", "INSPECTION_BATCH_MAX",
                "INSPECTION_STALE_DAYS", "PHOTO_MAX_BYTES"):
        if not isinstance(cfg.get(key), int) or cfg[key] < 1:
            raise ConfigError(f"{key}: must be a positive integer, got {cfg.get(key)!r}")
    near = cfg.get("NEAR_DUPLICATE_MINUTES")
    if isinstance(near, bool) or not isinstance(near, int) or not 0 <= near <= 1440:
        raise ConfigError("NEAR_DUPLICATE_MINUTES: must be a whole number of minutes from 0 to "
                          f"1440, got {near!r}")
    if "DELIVERY_MAX_ATTEMPTS" in cfg:
        raise ConfigError("DELIVERY_MAX_ATTEMPTS: no longer used; deliveries are retried for "
                          "DELIVERY_RETRY_FOR_HOURS (docs/reports.md)")
    for key in ("SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_HOURS"):
        value = cfg.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 < value < math.inf):
            raise ConfigError(f"{key}: must be a number > 0, got {value!r}")
    for key, least in (("DELIVERY_RETRY_BASE_SECONDS", 1), ("DELIVERY_RETRY_MAX_SECONDS", 1),
                       ("DELIVERY_RETRY_FOR_HOURS", 0), ("MAIL_TIMEOUT_SECONDS", 1),
                       ("MAIL_DATA_TIMEOUT_SECONDS", 1)):
        value = cfg.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                least <= value < math.inf):
            raise ConfigError(f"{key}: must be a number >= {least}, got {value!r}")
    for key in ("CAPACITY_WARNING_PERCENT", "COVERAGE_FULL_PERCENT"):
        if not isinstance(cfg.get(key), int | float) or not 0 < cfg[key] <= 100:
            raise ConfigError(f"{key}: must be a number in (0, 100], got {cfg.get(key)!r}")
    from .accounts.passwords import valid_method

    if not valid_method(cfg.get("PASSWORD_HASH_METHOD")):
        raise ConfigError("PASSWORD_HASH_METHOD: must be argon2id or a werkzeug method such as "
                          f"pbkdf2:sha256:600000, got {cfg.get('PASSWORD_HASH_METHOD')!r}")
    if cfg.get("MAIL_SECURITY") not in ("none", "starttls", "tls"):
        raise ConfigError("MAIL_SECURITY: must be one of none, starttls, tls")
    if cfg.get("MAIL_LOCALE") not in (None, "", *cfg["LANGUAGES"]):
        raise ConfigError(f"MAIL_LOCALE: must be one of {', '.join(cfg['LANGUAGES'])} (or "
                          f"empty for BABEL_DEFAULT_LOCALE), got {cfg['MAIL_LOCALE']!r}")
    _check_household_code(cfg)
    _check_intake(cfg)
    _check_rankings(cfg)
    _check_bin_tasks(cfg)


def _check_bin_tasks(cfg) -> None:
    """The hours a bin problem's task is due in: a number of hours > 0 (at most a year) for
    each of the four kinds."""
    names = ("full", "dirty", "damaged", "missing")
    value = cfg.get("BIN_TASK_DUE_HOURS")
    if not isinstance(value, dict) or set(value) != set(names) or any(
            isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 24 * 366
            for v in value.values()):
        raise ConfigError(f"BIN_TASK_DUE_HOURS: must map each of {', '.join(names)} to a "
                          f"number of hours > 0 (at most {24 * 366}), got {value!r}")


def _check_rankings(cfg) -> None:
    """The composite score's weights: a number >= 0 for each ranked figure, not all 0; the
    lists' length a positive whole number."""
    names = ("coverage", "residual_per_household", "recyclable_per_household", "sorted_share",
             "participation", "accuracy", "gap")
    value = cfg.get("RANKING_WEIGHTS")
    if not isinstance(value, dict) or set(value) != set(names) or any(
            isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < math.inf
            for v in value.values()) or not any(value.values()):
        raise ConfigError(f"RANKING_WEIGHTS: must map each of {', '.join(names)} to a number "
                          f">= 0, not all 0, got {value!r}")
    size = cfg.get("RANKING_LIST_SIZE")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError(f"RANKING_LIST_SIZE: must be a positive integer, got {size!r}")
    from apscheduler.triggers.cron import CronTrigger

    cron = cfg.get("FORECAST_CRON")
    try:
        CronTrigger.from_crontab(str(cron), timezone=cfg["TZ"])
    except ValueError as exc:
        raise ConfigError(f"FORECAST_CRON: not a cron expression ({exc})") from None


def _check_intake(cfg) -> None:
    """The weighbridge settings: positive whole limits, a tolerance in % for each of the four
    streams, a coefficient from 0 to 1 for each kind of treatment."""
    for key in ("INTAKE_MAX_WEIGHT_KG", "INTAKE_BACKDATE_DAYS", "INTAKE_BATCH_MAX"):
        value = cfg.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{key}: must be a positive integer, got {value!r}")
    for key, names, low, high in (
            ("INTAKE_GAP_TOLERANCE_PERCENT", ("recyclable", "hazardous", "kitchen", "residual"),
             0, 100),
            ("RESOURCE_UTILISATION_COEFFICIENTS",
             ("incineration", "kitchen_waste", "hazardous_waste", "landfill", "other"), 0, 1)):
        value = cfg.get(key)
        if not isinstance(value, dict) or set(value) != set(names) or any(
                isinstance(v, bool) or not isinstance(v, int | float) or not low <= v <= high
                for v in value.values()):
            raise ConfigError(f"{key}: must map each of {', '.join(names)} to a number from "
                              f"{low} to {high}, got {value!r}")


def _check_household_code(cfg) -> None:
    pattern, example = cfg.get("HOUSEHOLD_CODE_PATTERN"), cfg.get("HOUSEHOLD_CODE_EXAMPLE")
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"HOUSEHOLD_CODE_PATTERN: must be a regular expression, got {pattern!r}")
    try:
        compiled = re.compile(pattern)
        re.compile(f"(?:{pattern})")  # as the import uses it: inside a group
    except re.error as exc:
        raise ConfigError(f"HOUSEHOLD_CODE_PATTERN: not a regular expression ({exc})") from None
    if not isinstance(example, str) or not compiled.fullmatch(example):
        raise ConfigError(f"HOUSEHOLD_CODE_EXAMPLE: {example!r} does not match "
                          f"HOUSEHOLD_CODE_PATTERN {pattern!r}")


def _require_writable_folder(instance: Path) -> None:
    """The instance folder holds the SQLite file (and its WAL), the secret, the outbox and
    uploads being imported: create it, and refuse to start when it cannot be written."""
    try:
        instance.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=instance):
            pass
    except OSError as exc:
        raise ConfigError(f"INSTANCE_PATH: the instance folder {str(instance)!r} cannot be "
                          f"written ({exc.strerror or exc})") from None


def _instance_secret(instance: Path) -> str:
    """A per-installation secret kept in the instance folder, so sessions survive restarts
    without anyone having to invent a key for a demo."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
