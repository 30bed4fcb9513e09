"""Querysets compiled to SQL once per process and run with new values on every call.

A stored page's view (dashboard/core/page_cache.py) makes a dozen small reads: the user, the
tenant of the address, the header's menus, the page's version. Django builds and compiles a
queryset each time it runs one; for these reads that was 41% of a stored view's CPU in a
gunicorn worker, against 7% for sending them and reading their rows (docs/performance-history.md).
`prepared(build)` builds `build(*values)` once with stand-in values, keeps its SQL, and each
call runs that SQL with the call's values in the stand-ins' places: the same statement Django
would have sent.

`rows()` gives what the queryset's values_list() gives, `instances()` the model instances it
gives (select_related included), each through Django's own converters and populators. `build`
must take each value as a lookup value (a primary or foreign key, a slug), not as something
that shapes the SQL (a LIMIT, an empty list): the first call checks that two sets of stand-ins
give the same SQL. Keys are bigints; on PostgreSQL Django sends the value of a narrower integer
column wrapped (psycopg's Int4), which is not taken for a value (the first call says so).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

Build = Callable[..., QuerySet[Any]]
# Stand-ins: numbers every integer column holds (Django finds nothing, without asking the
# database, for a value out of the column's range), a text no slug can hold. A constant of the
# query equal to one is found twice and refused, never taken for the value.
INT_STAND_INS = (30_011, 30_517)
TEXT_PREFIXES = ("\x00prepared-a-", "\x00prepared-b-")
KEY_RANGE = range(-(2**63), 2**63)  # a database's largest integer column


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple[Any, ...]
    places: tuple[int, ...]  # where each value goes in params
    kinds: tuple[type, ...]  # each value's type: another (None, a text for a key) would change the SQL
    # The compiler of the stand-in query: what Django needs to turn its rows into values or instances.
    compiler: SQLCompiler
    iterable: type
    # For instances: the model's columns in the row, their names, the select_related populators.
    start: int = 0
    end: int = 0
    names: tuple[str, ...] = ()
    populators: tuple[Any, ...] = ()
    # The columns' converters, found once: Django's results_iter looks them up on every call
    # (a fifth of a usage window's read of its app). None: composite columns, results_iter's.
    converters: dict[int, Any] | None = None

    def converted(self, rows: list[Any]) -> Iterable[Any]:
        if self.converters is None:
            return self.compiler.results_iter(results=[rows])
        return self.compiler.apply_converters(rows, self.converters) if self.converters else rows


class PreparedQuery:
    def __init__(self, build: Build) -> None:
        self._build = build
        self._model: type[Model] | None = None
        self._compiled: dict[str, Compiled] = {}  # per database alias

    def rows(self, *values: int | str) -> list[tuple[Any, ...]]:
        """What `build(*values).values_list(...)` gives."""
        compiled, alias = self._prepare(values, ValuesListIterable)
        return [tuple(row) for row in compiled.converted(self._fetch(compiled, alias, values))]

    def instances(self, *values: int | str) -> list[Any]:
        """The model instances `build(*values)` gives, with its select_related objects."""
        compiled, alias = self._prepare(values, ModelIterable)
        model = compiled.compiler.klass_info["model"]
        found = []
        for row in compiled.converted(self._fetch(compiled, alias, values)):
            instance = model.from_db(alias, compiled.names, row[compiled.start : compiled.end])
            for populator in compiled.populators:
                populator.populate(row, instance)
            found.append(instance)
        return found

    def _prepare(self, values: tuple[int | str, ...], iterable: type) -> tuple[Compiled, str]:
        if self._model is None:
            self._model = self._build(*stand_ins(values, 0)).model
        alias = router.db_for_read(self._model)
        if alias not in self._compiled:
            self._compiled[alias] = self._compile(alias, values)
        compiled = self._compiled[alias]
        if compiled.iterable is not iterable:
            raise ValueError(f"this prepared query gives {compiled.iterable.__name__} rows")
        return compiled, alias

    @staticmethod
    def _fetch(compiled: Compiled, alias: str, values: tuple[int | str, ...]) -> list[Any]:
        for value, kind in zip(values, compiled.kinds, strict=True):
            if type(value) is not kind:
                raise TypeError(f"this prepared query takes {kind.__name__} values here, not {type(value).__name__}")
        if any(isinstance(value, int) and value not in KEY_RANGE for value in values):
            return []  # no row has such a key (Django finds none without asking the database)
        params = list(compiled.params)
        for place, value in zip(compiled.places, values, strict=True):
            params[place] = value
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            return list(cursor.fetchall())

    def _compile(self, alias: str, values: tuple[int | str, ...]) -> Compiled:
        first, second = (self._sql(alias, stand_ins(values, n)) for n in (0, 1))
        if first.sql != second.sql or first.places != second.places or len(first.params) != len(second.params):
            raise ValueError("a prepared query's values change its SQL")
        return first

    def _sql(self, alias: str, values: list[int | str]) -> Compiled:
        queryset = self._build(*values)
        if queryset.db != alias:
            raise ValueError("a prepared query reads the model's database for reads")
        iterable = queryset._iterable_class
        prefetches = queryset._prefetch_related_lookups  # type: ignore[attr-defined]
        if iterable not in (ModelIterable, ValuesListIterable) or prefetches:
            raise ValueError("a prepared query is a plain or values_list() queryset, without prefetching")
        compiler = queryset.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet as empty:
            raise ValueError("a prepared query must not be empty whatever its values") from empty
        places = []
        for value in values:
            found = [n for n, param in enumerate(params) if type(param) is type(value) and param == value]
            if len(found) != 1:
                raise ValueError(f"a prepared query must use each value once as a parameter ({len(found)} found)")
            places.append(found[0])
        columns = [column[0] for column in compiler.select[0 : compiler.col_count]]
        converters = None if compiler.has_composite_fields(columns) else compiler.get_converters(columns)
        compiled = Compiled(
            sql, tuple(params), tuple(places), tuple(type(v) for v in values), compiler, iterable, converters=converters
        )
        return model_parts(compiled, alias) if iterable is ModelIterable else compiled


def model_parts(compiled: Compiled, alias: str) -> Compiled:
    """What turns a row into an instance, as Django's ModelIterable does (its select_related
    objects included; a queryset from a model's manager has no known related objects)."""
    klass_info, select = compiled.compiler.klass_info, compiled.compiler.select
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return replace(
        compiled,
        start=start,
        end=end,
        names=tuple(column[0].target.attname for column in select[start:end]),
        populators=tuple(related_populators(klass_info, select, alias)),
    )


def stand_ins(values: tuple[int | str, ...], n: int) -> list[int | str]:
    """Values of the same types as `values`, each its own, of the nth set."""
    made: list[int | str] = []
    for index, value in enumerate(values):
        if isinstance(value, int) and not isinstance(value, bool):
            made.append(INT_STAND_INS[n] + 100 * index)
        elif isinstance(value, str):
            made.append(f"{TEXT_PREFIXES[n]}{index}")
        else:
            raise TypeError(f"a prepared query takes keys and slugs, not {type(value).__name__}")
    return made


def related_populators(klass_info: dict[str, Any], select: list[Any], alias: str) -> list[Any]:
    populate: Any = get_related_populators  # django-stubs describes a later Django's signature
    return list(populate(klass_info, select, alias))


def prepared(build: Build) -> PreparedQuery:
    return PreparedQuery(build)


def all_columns(model: type[Any]) -> list[str]:
    """Every stored field of a model, for values_list(): a whole row of a page's version."""
    return [field.attname for field in model._meta.concrete_fields]
