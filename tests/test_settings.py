"""Settings that shape how Safehold talks to its database (safehold.settings)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Value

from safehold.records.models import Person


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_statement_a_connection_runs_again_is_prepared_on_the_server() -> None:
    # docs/adr/0042: parameters go apart from the SQL, and the fifth run of a statement on a
    # connection prepares it, so PostgreSQL stops planning it afresh on every request.
    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
                ['%"prepared_probe"%'],
            )
            return [row[0] for row in cursor.fetchall()]

    probe = Person.objects.annotate(prepared_probe=Value(1)).filter(pk=-1)
    list(probe.all())  # a fresh queryset each time: one that has run keeps its rows
    assert prepared() == []  # once is not enough: a statement run once is not worth keeping
    for _ in range(5):
        list(probe.all())
    [statement] = prepared()
    assert "$1" in statement  # the values travel apart from the SQL
