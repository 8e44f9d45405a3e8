"""What the service tests check again and again: a refused call is keyed by field, in Chinese, and writes nothing;
a write moves the case's updated_at; parametrized pairs get readable ids."""

import re
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from cases.models import (
    Agreement,
    Case,
    ContactLog,
    Debt,
    Evidence,
    GeneratedDocument,
    Hardship,
    Installment,
    Payment,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
MODELS = (Case, Debt, Hardship, Evidence, ContactLog, Agreement, Installment, Payment, GeneratedDocument)


def database_state() -> dict[str, list[tuple]]:
    """Every row of every case table, so that a refused call can be shown to have written nothing.

    Raw SQL, both for speed (it runs twice in hundreds of tests) and to see the stored bytes themselves.
    """
    tables = [model._meta.db_table for model in MODELS] + [Agreement.debts.through._meta.db_table]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        state = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY id")  # noqa: S608 (table names from the models)
            state[table] = cursor.fetchall()
    return state


def assert_refused(field: str, call, *args, **kwargs) -> list[str]:
    """The call raises a ValidationError keyed by field, in Chinese, and leaves the database as it was."""
    before = database_state()
    with pytest.raises(ValidationError) as excinfo:
        call(*args, **kwargs)
    messages = excinfo.value.message_dict
    assert field in messages, messages
    assert messages[field] and all(CJK.search(message) for message in messages[field]), messages
    assert database_state() == before
    return messages[field]


def make_stale(case: Case) -> datetime:
    """Move the case's updated_at a day back, so that a write can be seen to bump it."""
    stale = timezone.now() - timedelta(days=1)
    Case.objects.filter(pk=case.pk).update(updated_at=stale)
    return stale


def updated_at(case: Case) -> datetime:
    return Case.objects.values_list("updated_at", flat=True).get(pk=case.pk)


def pair_ids(pairs, separator: str) -> list[str]:
    return [separator.join(pair) for pair in pairs]
