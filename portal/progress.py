"""Progress of long background work, written where the page that polls it can see it at once.

The work itself runs in one transaction and, during a COPY, holds its connection busy: a progress UPDATE on
that connection would wait for the COPY that waits for it (a hang), and inside the transaction nobody would
see it anyway. So progress goes through a connection of its own, in autocommit, opened on first use.
"""

from __future__ import annotations

from django.db import connection
from psycopg import sql


class Progress:
    """``progress(value)`` sets ``model.field`` of the row ``pk`` at once; use as a context manager."""

    def __init__(self, model, pk: int, field: str):
        self.query = sql.SQL("UPDATE {} SET {} = %s WHERE id = %s").format(
            sql.Identifier(model._meta.db_table), sql.Identifier(model._meta.get_field(field).column)
        )
        self.pk = pk
        self.own = None

    def __call__(self, value) -> None:
        if self.own is None:
            self.own = connection.get_new_connection(connection.get_connection_params())
            self.own.autocommit = True
        self.own.execute(self.query, [value, self.pk])

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.own is not None:
            self.own.close()
            self.own = None
