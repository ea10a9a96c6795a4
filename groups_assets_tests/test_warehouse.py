"""The warehouse's own promises on the real PostgreSQL: the staging columns Spark writes are the
columns the SQL creates, in the same order and of matching types."""

import psycopg
from psycopg import sql

from groups_assets.warehouse.staging import STAGE_COLUMNS, Stage

PG_TYPE = {"int": "bigint", "text": "text", "micros": "timestamp with time zone", "bool": "boolean"}


def test_stage_columns_agree_with_the_sql(pg_url):
    stage = Stage.new()
    with psycopg.connect(pg_url) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(f"cols_{stage.token}")))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(f"cols_{stage.token}")))
        stage.create(conn)
        for kind, columns in STAGE_COLUMNS.items():
            found = conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = %s ORDER BY ordinal_position",
                (stage.table(kind),),
            ).fetchall()
            assert found == [(name, PG_TYPE[how]) for name, how in columns], kind
        conn.rollback()
