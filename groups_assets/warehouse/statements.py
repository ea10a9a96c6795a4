"""The pipeline's SQL: every statement is a file in sql/<phase>/, loaded here with its identifiers
bound. The phases: schema/ (the tables, their migrations, the schema's format and lock),
staging/ (a run's staging tables), keys/ (ids for text keys, membership rows judged against the
stored groups), apply/ (the day's transaction: first_load/ and upsert/ paths, rejects, the
inactive flags), history/ (the versions a day opens and closes) and checks/ (the table checks).
A statement is named by its path without .sql: "apply/upsert/groups_upsert"."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files

import psycopg
from psycopg import sql


def statement(name: str, **identifiers: str | Sequence[str]) -> sql.Composed | sql.SQL:
    """The statement in sql/<name>.sql (`name` is a path: "checks/orphan_parents"), with
    {placeholders} bound as quoted identifiers (a list of names binds as a comma-separated list)."""
    text = files("groups_assets.warehouse").joinpath("sql", *f"{name}.sql".split("/")).read_text()
    bound = {key: _identifiers(names) for key, names in identifiers.items()}
    return sql.SQL(text).format(**bound)


def _identifiers(names: str | Sequence[str]) -> sql.Composable:
    if isinstance(names, str):
        return sql.Identifier(names)
    return sql.SQL(", ").join(map(sql.Identifier, names))


def sample_rows(conn: psycopg.Connection, name: str, sample: int = 10, **params) -> tuple[int, list[dict]]:
    """(total, first rows) of a check query in sql/<name>.sql (its rows carry a `total` column),
    with `params` besides the sample's size."""
    cur = conn.execute(statement(name), {"sample": sample, **params})
    columns = [d.name for d in cur.description]
    rows = [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]
    total = rows[0].pop("total") if rows else 0
    for r in rows[1:]:
        r.pop("total")
    return total, rows
