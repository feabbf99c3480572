""""A day" in wastesort is a calendar day in the city's time zone (config ``TIMEZONE``)."""

import datetime as dt

from flask import current_app


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def city_zone() -> dt.tzinfo:
    return current_app.config["TZ"]


def local_now() -> dt.datetime:
    return utcnow().astimezone(city_zone())


def local_today() -> dt.date:
    return local_now().date()
