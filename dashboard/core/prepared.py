"""Querysets compiled to SQL once per process and run with new values on every call.

A stored page's version (dashboard/core/page_cache.py) reads a handful of small lists on every
view. Django builds and compiles a queryset each time it runs one, and for these small reads
that cost more CPU than everything else a stored view does (bench/load/pages.py).
`prepared(build)` builds `build(*values)` once with stand-in values, keeps its SQL, and each
call runs that SQL with the call's values in the stand-ins' places: the same statement Django
would have sent.

The rows are what the database driver returns (no model instances, no field converters):
fit for comparing, as a page's version does, not for showing. `build` must take each value as
a lookup value (a primary or foreign key, a slug), not as something that shapes the SQL (a
LIMIT, an empty list): the first call checks that two sets of stand-ins give the same SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet

Build = Callable[..., QuerySet[Any]]
# Stand-ins no real lookup value equals: a key far beyond any table's, a text no slug can hold.
INT_STAND_INS = (-(2**62) + 101, -(2**62) + 211)
TEXT_PREFIXES = ("\x00prepared-a-", "\x00prepared-b-")


class PreparedQuery:
    def __init__(self, build: Build) -> None:
        self._build = build
        self._model: type[Any] | None = None
        # Per database alias: the SQL, the compiled parameters and the place of each value in them.
        self._compiled: dict[str, tuple[str, list[Any], list[int]] | None] = {}

    def rows(self, *values: int | str) -> list[tuple[Any, ...]]:
        if self._model is None:
            self._model = self._build(*stand_ins(values, 0)).model
        alias = router.db_for_read(self._model)
        if alias not in self._compiled:
            self._compiled[alias] = self._compile(alias, values)
        compiled = self._compiled[alias]
        if compiled is None:  # a query Django knows to be empty
            return []
        sql, params, places = compiled
        params = list(params)
        for place, value in zip(places, values, strict=True):
            params[place] = value
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def _compile(self, alias: str, values: tuple[int | str, ...]) -> tuple[str, list[Any], list[int]] | None:
        first, second = (self._sql(alias, stand_ins(values, n)) for n in (0, 1))
        if first is None or second is None:
            if first is not None or second is not None:
                raise ValueError("a prepared query's values change its SQL")
            return None
        (sql, params, places), (other_sql, other_params, other_places) = first, second
        if sql != other_sql or places != other_places or len(params) != len(other_params):
            raise ValueError("a prepared query's values change its SQL")
        return sql, params, places

    def _sql(self, alias: str, values: list[int | str]) -> tuple[str, list[Any], list[int]] | None:
        queryset = self._build(*values)
        if queryset.db != alias:
            raise ValueError("a prepared query reads the model's database for reads")
        try:
            sql, params = queryset.query.get_compiler(using=alias).as_sql()
        except EmptyResultSet:
            return None
        params = list(params)
        places = []
        for value in values:
            found = [n for n, param in enumerate(params) if type(param) is type(value) and param == value]
            if len(found) != 1:
                raise ValueError(f"a prepared query must use each value once as a parameter ({len(found)} found)")
            places.append(found[0])
        return sql, params, places


def stand_ins(values: tuple[int | str, ...], n: int) -> list[int | str]:
    """Values of the same types as `values`, each its own, of the nth set."""
    made: list[int | str] = []
    for index, value in enumerate(values):
        if isinstance(value, int) and not isinstance(value, bool):
            made.append(INT_STAND_INS[n] + 1000 * index)
        elif isinstance(value, str):
            made.append(f"{TEXT_PREFIXES[n]}{index}")
        else:
            raise TypeError(f"a prepared query takes keys and slugs, not {type(value).__name__}")
    return made


def prepared(build: Build) -> PreparedQuery:
    return PreparedQuery(build)


def all_columns(model: type[Any]) -> list[str]:
    """Every stored field of a model, for values_list(): a whole row of a page's version."""
    return [field.attname for field in model._meta.concrete_fields]
