"""The rankings' words, in the reader's language: one place for the page, the report, its
chart and its CSV."""

from flask_babel import lazy_gettext as _l

FIGURE_LABELS = {
    "composite": _l("Composite score"),
    "coverage": _l("Coverage"),
    "residual_per_household": _l("Residual waste per household"),
    "recyclable_per_household": _l("Recyclables per household"),
    "sorted_share": _l("Recyclables and kitchen waste share"),
    "participation": _l("Participation"),
    "accuracy": _l("Accuracy"),
    "gap": _l("Collected against received gap"),
}
UNITS = {  # how each figure is shown: per cent, kg per household and day, or a score
    "composite": "score", "coverage": "percent", "residual_per_household": "kg",
    "recyclable_per_household": "kg", "sorted_share": "percent", "participation": "percent",
    "accuracy": "percent", "gap": "percent",
}
FIELDS = {"composite": "composite_score", "coverage": "coverage_percent",
          "residual_per_household": "residual_kg_per_household_day",
          "recyclable_per_household": "recyclable_kg_per_household_day",
          "sorted_share": "sorted_share_percent", "participation": "participation_percent",
          "accuracy": "accuracy_percent", "gap": "gap_abs_percent"}
PERIOD_LABELS = {"month": _l("Month"), "week": _l("Week")}
LEVEL_LABELS = {"township": _l("Towns and streets"), "community": _l("Communities")}
