"""Plain multi-row INSERTs for rows that need no model instance.

Link rows and reversion versions are written by the hundred thousand and
nothing reads their pks back: building a model instance for each and running
it through the ORM's insert compiler cost more than the database's work
(a third of seed_demo's time). One ``executemany`` per table instead;
Django's query log counts it as one query.
"""

from django.db import connections, router


def insert_rows(model, columns, rows):
    """INSERT ``rows`` (tuples in the order of ``columns``, attnames) into ``model``'s table."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(model._meta.get_field(name).column) for name in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
