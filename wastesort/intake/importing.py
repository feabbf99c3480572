"""Ticket import (CSV or XLSX, as weighbridge software exports them) into one facility.

As the household import: every row is checked first, with its row number, column (as the
file's header names it) and message; nothing is stored unless every row is good (all or
nothing), and the file is shown as a preview to confirm. A ticket number the facility stored
before with the same values is counted as already stored (an export imported again, or one
that overlaps the last); with other values it is a row error. A number twice in the file is an
error on its second row. The good rows are stored by the same statement as an API batch
(wastesort/intake/store.py), with the daily intake.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..areas.models import District, Township
from ..errors_domain import Conflict, RuleViolation
from ..extensions import db
from ..households.cells import cell_text
from ..households.upload_limits import within_limits
from ..locking import retry_conflicts
from .service import (
    BatchOutcome,
    TicketInput,
    TicketRules,
    after_commit,
    body_of,
    readable_facility,
    require_poster,
    store_checked,
    stored_bodies,
)
from .sheet import (
    COLUMN_LABELS,
    FILE_LABEL,
    arrival_cell,
    read_sheet,
    stream_cell,
    stream_words,
    weight_cell,
)

# Where a rule's message on a ticket field goes in the file.
FIELD_COLUMNS = {"ticket_number": "ticket_number", "arrived_at": "arrived_at",
                 "stream": "stream", "net_weight_kg": "net_weight_kg",
                 "township_id": "township", "vehicle_plate": "vehicle_plate",
                 "treatment_facility_id": "file"}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # a key of COLUMNS, or "file"
    message: str


@dataclass
class TicketPlan:
    """What an import would do: ``new`` the tickets to store (with their row numbers in
    ``row_of``), ``stored`` how many the facility holds already with the same values."""

    facility_id: int
    rows: int = 0
    new: list[TicketInput] = field(default_factory=list)
    stored: int = 0
    errors: list[RowError] = field(default_factory=list)
    headers: dict = field(default_factory=dict)
    row_of: dict = field(default_factory=dict)  # {ticket number: row}
    township_names: dict = field(default_factory=dict)

    def column_name(self, column: str):
        return self.headers.get(column) or COLUMN_LABELS.get(column, FILE_LABEL)

    @property
    def weight_kg(self) -> int:
        return sum(t.net_weight_kg for t in self.new)


def township_lookup() -> dict[str, int | None]:
    """{name: id} of every town and street by its name, and by its district's name and its
    own (渝中区解放碑街道, 渝中区 解放碑街道); a name two districts share maps to None
    (ambiguous: the file must name the district too)."""
    found: dict[str, int | None] = {}
    for township_id, name, district in db.session.execute(
            select(Township.id, Township.name, District.name)
            .join(District, District.id == Township.district_id)):
        found[name] = None if name in found else township_id
        found[f"{district}{name}"] = township_id
        found[f"{district} {name}"] = township_id
    return found


def plan_import(user: User, facility_id: int | None, filename: str, data: bytes) -> TicketPlan:
    """Check every row against the rules; nothing is written."""
    require_poster(user)
    facility = readable_facility(user, facility_id)
    positions, headers, rows = read_sheet(filename, data)
    plan = TicketPlan(facility.id, headers=headers)
    rules = TicketRules(user)
    words = stream_words()
    townships = township_lookup()
    tonnes = "net_weight_kg" not in positions
    weight_at = positions.get("net_weight_kg", positions.get("net_weight_t"))
    arrival_at = positions.get("arrived_at", positions.get("arrival_date"))
    arrival_column = "arrived_at" if "arrived_at" in positions else "arrival_date"
    time_at = positions.get("arrival_time")
    weight_column = "net_weight_kg" if not tonnes else "net_weight_t"

    def cell(values, index):
        return values[index] if index is not None and index < len(values) else None

    errors = plan.errors
    for number, values in within_limits(rows, errors, RowError):
        plan.rows += 1
        problems: dict[str, str] = {}
        arrived, message = arrival_cell(cell(values, arrival_at), cell(values, time_at))
        if message:
            problems[arrival_column] = message
        stream, message = stream_cell(cell(values, positions["stream"]), words)
        if message:
            problems["stream"] = message
        weight, message = weight_cell(cell(values, weight_at), tonnes)
        if message:
            problems[weight_column] = message
        township_id = None
        name = " ".join(cell_text(cell(values, positions.get("township"))).split())
        if name:
            township_id = townships.get(name)
            if township_id is None:
                problems["township"] = (_l("%(name)s is the name of towns or streets in "
                                           "several districts: write the district first.",
                                           name=name) if name in townships else
                                        _l("No town or street named %(name)s.", name=name))
        ticket = None
        number_text = cell_text(cell(values, positions["ticket_number"])).strip()
        if number_text:
            first = plan.row_of.setdefault(number_text, number)
            if first != number:
                problems["ticket_number"] = _l("The ticket number %(number)s is also on row "
                                               "%(row)s.", number=number_text, row=first)
        if not problems:
            ticket, found = rules.check({
                "treatment_facility_id": facility.id,
                "ticket_number": number_text,
                "arrived_at": arrived, "stream": stream, "net_weight_kg": weight,
                "township_id": township_id,
                "vehicle_plate": cell_text(cell(values, positions.get("vehicle_plate")))})
            for name_, message in found.items():
                column = FIELD_COLUMNS[name_]
                problems[arrival_column if column == "arrived_at" else
                         weight_column if column == "net_weight_kg" else column] = message[0]
        for column, message in problems.items():
            errors.append(RowError(number, column, message))
        if not problems:
            plan.new.append(ticket)
    if not plan.rows:
        errors.append(RowError(1, "file", _l("The file has no tickets below the header.")))
    _split_stored(plan)
    errors.sort(key=lambda e: (e.row, e.column))
    return plan


def _split_stored(plan: TicketPlan) -> None:
    """Move the tickets the facility holds already out of ``new``: counted when the values are
    the same, an error on their row when not."""
    found = stored_bodies([(t.treatment_facility_id, t.ticket_number) for t in plan.new])
    if not found:
        return
    new = []
    for ticket in plan.new:
        stored = found.get((ticket.treatment_facility_id, ticket.ticket_number))
        if stored is None:
            new.append(ticket)
        elif stored == body_of(ticket):
            plan.stored += 1
        else:
            plan.errors.append(RowError(plan.row_of[ticket.ticket_number], "ticket_number", _l(
                "Ticket number %(number)s of this facility was stored with other values.",
                number=ticket.ticket_number)))
    plan.new = new


@retry_conflicts
def apply_import(user: User, plan: TicketPlan) -> list[BatchOutcome]:
    """Store a plan without errors in one transaction (all or nothing)."""
    require_poster(user)
    if plan.errors:
        raise RuleViolation({"file": [_l("The file has errors; nothing was stored.")]})
    if not plan.new:
        return []
    try:
        outcomes = store_checked(user, plan.new)
    except Conflict:
        raise RuleViolation({"file": [_l("Tickets of this file were stored with other values "
                                         "at the same time; nothing was stored. Import "
                                         "again.")]}) from None
    after_commit({o.arrived_on for o in outcomes if o.created})
    return outcomes
