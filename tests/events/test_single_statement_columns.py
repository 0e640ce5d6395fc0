"""Issue 26: the one-statement sign-up (events/services/seats.py, a raw SQL CTE) writes three tables
by hand; a model that gains a NOT NULL column without it in the statement breaks every sign-up on
PostgreSQL (the NOT NULL column incident). Each INSERT's column list is checked against its model:
every column named exists, and every NOT NULL column without a database default is named."""

import re

import pytest
from django.db import models

from core.models import Outbox, StatusChange
from events.models import Registration
from events.services.seats import _CLAIM_AND_INSERT

MODELS = {"events_registration": Registration, "core_outbox": Outbox, "core_statuschange": StatusChange}


def _inserts() -> dict[str, set[str]]:
    found = re.findall(r"INSERT INTO (\w+) \(([^)]*)\)", _CLAIM_AND_INSERT)
    return {table: {c.strip() for c in columns.split(",")} for table, columns in found}


def test_the_statement_writes_the_three_tables():
    assert set(_inserts()) == set(MODELS)


@pytest.mark.parametrize("table", sorted(MODELS))
def test_every_column_named_exists_and_every_required_one_is_named(table):
    model = MODELS[table]
    named = _inserts()[table]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = {f.column for f in fields}
    assert named <= columns, f"{table}: no such column {sorted(named - columns)}"
    required = {f.column for f in fields if not f.null and f.db_default is models.NOT_PROVIDED}
    assert required <= named, f"{table}: NOT NULL without a database default, left out: {sorted(required - named)}"
