"""The collections a filter selects, as CSV or XLSX for people: the headers and words (category,
voided or not) in the reader's language, times on the city's clock.

The rows are read in batches of 2,000 and written as they come (a year of a town or street is
about 100,000 rows): the CSV streams to the client, the XLSX spills to a temporary file
(:mod:`wastesort.spreadsheets`, which also makes formula-like text inert).
"""

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy.orm import aliased

from .. import spreadsheets
from ..accounts.models import User
from ..areas.models import Township
from ..extensions import db
from ..points.models import RecyclingPoint
from ..timeutil import city_zone
from .forms import CATEGORY_LABELS
from .models import Collection
from .service import collections_query

COLUMNS = (  # (label, width in characters; a CJK character counts two)
    (_l("Posting number"), 10), (_l("Date collected"), 12), (_l("Town or street"), 16),
    (_l("Recycling point"), 22), (_l("Category"), 16), (_l("Weight (kg)"), 10),
    (_l("Posted by"), 14), (_l("Posted at (city time)"), 20), (_l("Voided"), 8),
    (_l("Voided by"), 14), (_l("Voided at (city time)"), 20), (_l("Reason for voiding"), 30),
)
DAY_COLUMNS = (1,)
TIME_COLUMNS = (7, 10)


def header() -> list[str]:
    return [str(label) for label, _width in COLUMNS]


def export_rows(user: User, **filters) -> Iterator[tuple]:
    """The collections ``user`` may read that ``filters`` select (the list's, newest first), in
    :data:`COLUMNS` order, the words in the reader's language and the times as the city's
    local (naive) time."""
    point, poster, voider = aliased(RecyclingPoint), aliased(User), aliased(User)
    stmt = (collections_query(user, **filters)
            .with_only_columns(Collection.id, Collection.collected_on, Township.name, point.name,
                               Collection.category, Collection.weight_kg, poster.username,
                               Collection.posted_at, Collection.voided, voider.username,
                               Collection.voided_at, Collection.void_reason,
                               maintain_column_froms=True)
            .join(point, point.id == Collection.recycling_point_id)
            .join(Township, Township.id == point.township_id)
            .outerjoin(poster, poster.id == Collection.posted_by_id)
            .outerjoin(voider, voider.id == Collection.voided_by_id))
    zone = city_zone()
    categories = {c: str(label) for c, label in CATEGORY_LABELS.items()}
    words = {True: _("yes"), False: _("no")}

    def local(moment):
        return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)

    for row in db.session.execute(stmt.execution_options(yield_per=2_000)):
        (number, day, township, point_name, category, weight_kg, posted_by, posted_at, voided,
         voided_by, voided_at, reason) = row
        yield (number, day, township, point_name, categories[category], weight_kg, posted_by,
               local(posted_at), words[bool(voided)], voided_by, local(voided_at), reason)


def csv_pieces(rows) -> Iterator[str]:
    return spreadsheets.csv_stream(rows, header())


def xlsx_file(rows):
    """A workbook of ``rows`` in a temporary file: days and times as date cells."""
    workbook = Workbook(write_only=True)
    sheet = spreadsheets.new_sheet(workbook, str(_l("Collections")), header(),
                                   [width for _label, width in COLUMNS])
    formats = {**dict.fromkeys(DAY_COLUMNS, spreadsheets.DATE_FORMAT),
               **dict.fromkeys(TIME_COLUMNS, spreadsheets.TIME_FORMAT)}
    spreadsheets.append_rows(sheet, rows, formats)
    return spreadsheets.saved(workbook)
