"""Bulk writes for millions of rows: columns in, the driver's fastest path out.

SQLite: ``executemany`` on the raw sqlite3 cursor (Django's debug cursor would keep every
parameter). PostgreSQL: ``COPY ... FROM STDIN``. Anything else: Django's cursor
``executemany``. Used by the demo seeder and by batch jobs (progression).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

I64 = npt.NDArray[np.int64]
DAY: Final = 86_400
EPOCH_DATE: Final = dt.date(1970, 1, 1)


def _day(date: dt.date) -> int:
    return (date - EPOCH_DATE).days


class Epoch:
    """A column of epoch seconds destined for a DateTimeField; the writer turns it into the
    text each backend expects, once per column (occurred_at and recorded_at share one)."""

    __slots__ = ("_text", "values")

    def __init__(self, values: I64) -> None:
        self.values = values
        self._text: dict[str, list[str]] = {}

    def text(self, suffix: str) -> list[str]:
        if suffix not in self._text:
            self._text[suffix] = datetime_strings(self.values, suffix)
        return self._text[suffix]


Column: TypeAlias = "Epoch | Sequence[Any] | itertools.repeat[Any]"

# Lookup tables for formatting millions of timestamps without a Python call per value:
# every date from 1900 to 2100 ("YYYY-MM-DD") and every second of a day (" HH:MM:SS").
_TABLE_FIRST_DAY: Final = _day(dt.date(1900, 1, 1))
_TABLE_LAST_DAY: Final = _day(dt.date(2100, 12, 31))


@functools.cache
def _date_table() -> npt.NDArray[np.bytes_]:
    first = dt.date(1900, 1, 1)
    return np.array(
        [
            (first + dt.timedelta(days=d)).isoformat().encode()
            for d in range(_TABLE_LAST_DAY - _TABLE_FIRST_DAY + 1)
        ],
        dtype="S10",
    )


@functools.cache
def _time_table() -> npt.NDArray[np.bytes_]:
    return np.array(
        [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}".encode() for s in range(DAY)],
        dtype="S9",
    )


def _split(blob: bytes, width: int) -> list[str]:
    text = blob.decode("ascii")
    return [text[i : i + width] for i in range(0, len(text), width)]


def date_strings(days: I64) -> list[str]:
    """ISO dates ("YYYY-MM-DD") for day numbers since 1970-01-01."""
    if len(days) == 0:
        return []
    if int(days.min()) < _TABLE_FIRST_DAY or int(days.max()) > _TABLE_LAST_DAY:
        return [(EPOCH_DATE + dt.timedelta(days=d)).isoformat() for d in days.tolist()]
    return _split(_date_table()[days - _TABLE_FIRST_DAY].tobytes(), 10)


def datetime_strings(epoch: I64, suffix: str = "") -> list[str]:
    """``str()`` of the naive UTC datetimes (what Django's SQLite backend stores for aware
    whole-second values), plus ``suffix`` (e.g. "+00:00" for PostgreSQL's COPY)."""
    if len(epoch) == 0:
        return []
    days = epoch // DAY
    if int(days.min()) < _TABLE_FIRST_DAY or int(days.max()) > _TABLE_LAST_DAY:
        return [
            f"{dt.datetime.fromtimestamp(v, dt.UTC).replace(tzinfo=None)}{suffix}"
            for v in epoch.tolist()
        ]
    fields: list[tuple[str, str]] = [("d", "S10"), ("t", "S9")]
    if suffix:
        fields.append(("z", f"S{len(suffix)}"))
    out = np.empty(len(epoch), dtype=fields)
    out["d"] = _date_table()[days - _TABLE_FIRST_DAY]
    out["t"] = _time_table()[epoch - days * DAY]
    if suffix:
        out["z"] = suffix.encode()
    return _split(out.tobytes(), 19 + len(suffix))


class BulkInserter:
    """Insert columns into a model's table with the driver's bulk path.

    SQLite: ``executemany`` on the raw sqlite3 cursor (Django's debug cursor would keep
    every parameter). PostgreSQL: ``COPY ... FROM STDIN``. Anything else: Django's cursor
    ``executemany``. All of it runs inside the caller's transaction.
    """

    def __init__(self, conn: BaseDatabaseWrapper) -> None:
        self.conn = conn
        self.vendor = conn.vendor

    def insert(self, model: type[models.Model], values: Mapping[str, Column]) -> int:
        """Write rows given as {attname: column}. Concrete fields not given get their
        default (an auto primary key is left to the database). Returns rows written."""
        qn = self.conn.ops.quote_name
        columns: list[str] = []
        placeholders: list[str] = []
        data: list[Iterable[Any]] = []
        length: int | None = None
        for f in model._meta.concrete_fields:
            if f.column is None:
                continue
            if f.attname in values:
                column = values[f.attname]
            elif f.primary_key and isinstance(f, models.AutoField | models.BigAutoField):
                continue
            else:
                column = itertools.repeat(f.get_db_prep_save(f.get_default(), self.conn))
            columns.append(qn(f.column))
            if isinstance(column, Epoch):
                column = column.text("+00:00" if self.vendor == "postgresql" else "")
            if not isinstance(column, itertools.repeat):
                length = len(column)
            placeholders.append("?" if self.vendor == "sqlite" else "%s")
            data.append(column)
        if not length:
            return 0
        rows = zip(*data, strict=False)  # constants are endless repeats
        table = qn(model._meta.db_table)
        if self.vendor == "postgresql":
            self._copy(table, columns, rows)
        else:
            # Table and column names come from _meta (quoted); values are bound parameters.
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(placeholders)})"  # noqa: S608
            if self.vendor == "sqlite":
                self.conn.ensure_connection()
                raw: Any = self.conn.connection
                raw.cursor().executemany(sql, rows)
            else:
                with self.conn.cursor() as cursor:
                    cursor.executemany(sql, list(rows))
        return length

    def _copy(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
        raw: Any = self.conn.connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
