"""Issue 26: the one-statement sign-up (events/services/seats.py, a raw SQL CTE) writes three tables
by hand; a model that gains a NOT NULL column without it in the statement breaks every sign-up on
PostgreSQL (the NOT NULL column incident). Issue 27 added payments' part (payments/services/held.py:
a held seat's order, its first status and its lines). Each INSERT's column list is checked against
its model: every column named exists, and every NOT NULL column without a database default is named."""

import re

import pytest
from django.db import models

from core.models import Outbox, StatusChange
from events.models import Registration
from events.services.seats import _CLAIM_AND_INSERT, _WAITLIST
from payments.models import Order, OrderLine
from payments.services.held import held_sql

STATEMENTS = {
    "sign-up": (_CLAIM_AND_INSERT, {"events_registration": Registration, "core_outbox": Outbox,
                                    "core_statuschange": StatusChange}),
    "waitlist": (_WAITLIST, {"events_registration": Registration, "core_outbox": Outbox,
                             "core_statuschange": StatusChange}),
    "held order": (held_sql("reg"), {"payments_order": Order, "payments_orderline": OrderLine,
                                     "core_statuschange": StatusChange}),
}
CASES = [(name, table) for name, (_sql, tables) in STATEMENTS.items() for table in sorted(tables)]


def _inserts(sql: str) -> dict[str, set[str]]:
    found = re.findall(r"INSERT INTO (\w+) \(([^)]*)\)", sql)
    return {table: {c.strip() for c in columns.split(",")} for table, columns in found}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_the_statement_writes_its_three_tables(name):
    sql, tables = STATEMENTS[name]
    assert set(_inserts(sql)) == set(tables)


@pytest.mark.parametrize(("name", "table"), CASES)
def test_every_column_named_exists_and_every_required_one_is_named(name, table):
    sql, tables = STATEMENTS[name]
    model = tables[table]
    named = _inserts(sql)[table]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = {f.column for f in fields}
    assert named <= columns, f"{name}, {table}: no such column {sorted(named - columns)}"
    required = {f.column for f in fields if not f.null and f.db_default is models.NOT_PROVIDED}
    assert required <= named, f"{name}, {table}: NOT NULL without a database default, left out: " \
                              f"{sorted(required - named)}"
