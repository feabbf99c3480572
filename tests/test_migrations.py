"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_reached_head(db):
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head


def test_household_codes_in_code_point_order_on_postgresql(db):
    """Autogenerate does not compare collations: the code column is "C" on PostgreSQL (as the
    model says), so that "code starts with" is a range of its index in any locale."""
    from sqlalchemy import text

    from wastesort.households.models import Household

    with db.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            return
        collation = connection.scalar(text(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'households' AND column_name = 'code'"))
        model = Household.__table__.c.code.type.dialect_impl(connection.dialect).collation
    assert collation == model == "C"
