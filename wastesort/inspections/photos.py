"""Photos of an inspection: attached by those who may change it, shown to those who may read
it (anyone else: 404), the files kept by :mod:`wastesort.storage`.

A photo is attached after the inspection is stored (the inspection's own posting stays a small,
idempotent JSON body that a phone can resend). The same picture attached twice to one
inspection is the first one again (its SHA-256 is unique per inspection), so a resent upload
counts once without a key. At most :data:`MAX_PHOTOS` per inspection, counted under a lock on
the inspection, so two uploads at once cannot both take the last place.
"""

import hashlib

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import storage
from ..accounts.models import User
from ..errors_domain import Conflict, Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..locking import locked, retry_conflicts
from ..rules import get_by_id, valid_id
from ..timeutil import utcnow
from .models import Inspection, InspectionPhoto
from .service import get_inspection, may_void

MAX_PHOTOS = 6
FIELD = "photo_base64"  # the API's field: where a refused photo's message goes


def _existing(inspection_id: int, sha256: str) -> InspectionPhoto | None:
    return db.session.scalar(select(InspectionPhoto).where(
        InspectionPhoto.inspection_id == inspection_id, InspectionPhoto.sha256 == sha256))


@retry_conflicts
def attach_photo(user: User, inspection_id: int, data: bytes) -> tuple[InspectionPhoto, bool]:
    """Attach the picture ``data`` (bytes); returns (photo, created). Who may void the
    inspection may add photos to it (its inspector, the street's administrator, an
    administrator), at any age; a void inspection takes none."""
    row = get_by_id(Inspection, inspection_id)
    if row is None:
        raise NotFound(_l("No such inspection."))
    if not may_void(user, row, row.community.township_id):
        raise Forbidden(_l("You may add photos to your own inspections, or to those of your "
                           "own town or street as its administrator."))
    storage.check_photo(data, FIELD)
    sha256 = hashlib.sha256(data).hexdigest()
    if (found := _existing(row.id, sha256)) is not None:  # a resent upload
        return found, False
    user_id = user.id
    row = locked(Inspection, row.id)  # until the commit: the count below stays true
    if row.voided:
        db.session.rollback()
        raise Conflict(_l("This inspection is void; it takes no photos."))
    if (found := _existing(row.id, sha256)) is not None:  # stored while we waited
        db.session.rollback()
        return found, False
    count = db.session.scalar(select(func.count()).where(
        InspectionPhoto.inspection_id == row.id))
    if count >= MAX_PHOTOS:
        db.session.rollback()
        raise RuleViolation({FIELD: [_l("An inspection has at most %(n)s photos.",
                                        n=MAX_PHOTOS)]})
    stored = storage.store_photo(data, FIELD)
    connection = db.session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    try:
        photo_id = connection.execute(
            insert(InspectionPhoto).values(
                inspection_id=row.id, storage_name=stored.storage_name,
                content_type=stored.content_type, size_bytes=stored.size_bytes,
                sha256=stored.sha256, uploaded_by_id=user_id, uploaded_at=utcnow())
            .on_conflict_do_nothing(index_elements=["inspection_id", "sha256"])
            .returning(InspectionPhoto.id)).scalar()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        storage.delete_photo(stored.storage_name)  # no row names it: the file goes too
        raise
    if photo_id is None:  # not reached under the lock; kept for safety
        storage.delete_photo(stored.storage_name)
        return _existing(row.id, sha256), False
    return db.session.get(InspectionPhoto, photo_id), True


def photo_file(user: User, inspection_id: int, photo_id: int):
    """The photo as an answer (its own type, ``nosniff``) for a reader of the inspection;
    404 for anyone else and for a photo of another inspection."""
    inspection = get_inspection(user, inspection_id)
    photo = db.session.get(InspectionPhoto, photo_id) if valid_id(photo_id) else None
    if photo is None or photo.inspection_id != inspection.id:
        raise NotFound(_l("No such photo."))
    return storage.photo_response(photo.storage_name, photo.content_type,
                                  f"inspection-{inspection.id}-photo-{photo.id}")
