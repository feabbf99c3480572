"""The forecast as the dashboard shows it: when the city reaches its warning level and its
capacity (in all and by stream), a chart of the next 90 days, and the forecast's months for
the monthly trend — all from the day's stored forecast (:mod:`wastesort.metrics.forecast`)."""

import datetime as dt

from flask_babel import gettext as _

from ..metrics.forecast import HORIZON_DAYS, city_forecast, monthly_means
from .charts import forecast_chart


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def forecast_for_dashboard(today: dt.date) -> dict | None:
    forecast = city_forecast(today)
    if forecast is None:
        return None
    rows = [{"name": name, "warning_on": _day(s["warning_on"]), "over_on": _day(s["over_on"]),
             "warning_possible_on": _day(s["warning_possible_on"]),
             "over_possible_on": _day(s["over_possible_on"])}
            for name, s in forecast["series"].items()]
    return {"forecast": forecast, "rows": rows, "all": rows[0], "months": monthly_means(forecast),
            "days": HORIZON_DAYS, "made_on": _day(forecast["made_on"]),
            "history_from": _day(forecast["history_from"]),
            "history_to": _day(forecast["history_to"]),
            "chart": forecast_chart(
                forecast, "all",
                title=_("Forecast of tonnes per day, next %(n)s days, with its %(p)s %% interval",
                        n=HORIZON_DAYS, p=forecast["interval_percent"]),
                forecast_label=_("forecast"), capacity_label=_("capacity"))}
