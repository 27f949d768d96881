"""`load()`: the package as a frozen Dataset of typed records, with links followed by id.

Record classes are pydantic models generated from the contract (one per table, frozen,
vocabulary columns typed as `Literal`), so they cannot drift from the schemas.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from bri_data.contract import model as C
from bri_data.dataset.frames import NAMES, pandas_frame, polars_frame, shape
from bri_data.errors import InvalidPackageError, LookupFailedError, PackageNotFoundError, UnknownKeyError, UnreadableInputError
from bri_data.files.package import read_rows_hashed, read_seeds, same_bytes
from bri_data.files.paths import DESCRIPTOR, resolve_package
from bri_data.files.seeds import Seed
from bri_data.findings import Report, short
from bri_data.validation.rows import first_problem


class Record(BaseModel):
    """Base of every table's record class."""

    # defer_build: a class's validator is built when first needed. `load()` of a validated
    # package needs none (`_records`): pydantic's build was most of load()'s own time.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    id: str


@cache
def record_class(table_name: str) -> type[Record]:
    table = C.TABLES_BY_NAME[table_name]
    fields: dict[str, Any] = {}
    for col in table.columns:
        if col.name == "id":
            continue
        base: Any = int if col.type == "integer" else str
        if col.vocabulary:
            base = Literal[tuple(col.enum or [])]
        typ = base if col.required else base | None
        fields[col.name] = (typ, ... if col.required else None)
    name = _CLASS_NAMES[table_name]
    # Named as an attribute of this module (`__getattr__` below): pickle, multiprocessing
    # and copy find the class again by that name.
    return create_model(name, __base__=Record, __doc__=table.description, __module__=__name__, **fields)


_CLASS_NAMES = {t.name: t.title.removesuffix("s") + "Record" for t in C.TABLES}  # actors: ActorRecord, ...
_CLASS_TABLES = {cls: table for table, cls in _CLASS_NAMES.items()}


def __getattr__(name: str) -> Any:
    """The record classes (`ActorRecord`, ...) as attributes of this module, made on first
    use (PEP 562)."""
    if name in _CLASS_TABLES:
        return record_class(_CLASS_TABLES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class CitedSpan:
    citation: Any  # a CitationRecord
    seed: Seed

    @property
    def line_text(self) -> str:
        return self.seed.line(self.citation.line) or ""

    @property
    def before(self) -> str:
        return self.line_text[: self.citation.char_start]

    @property
    def after(self) -> str:
        return self.line_text[self.citation.char_end :]


@dataclass(frozen=True)
class Dataset(Mapping[str, Any]):
    """All tables of one package. Immutable: records are frozen, mappings read-only.

    A mapping from record id to record, across all tables: `ds["evt-..."]`, `"evt-..." in ds`,
    `ds.get(id)`, `len(ds)`, `for record_id in ds`. A missing id raises UnknownKeyError,
    a KeyError. `ds.tables` maps each table name to its records.
    """

    # Record classes are generated from the contract at run time (`record_class`), so
    # their columns are not visible to a type checker: records are typed `Any` here.
    root: Path
    tables: Mapping[str, tuple[Any, ...]]
    seeds: Mapping[str, Seed]
    _by_id: Mapping[str, Any] = field(repr=False)
    _citations: Mapping[str, tuple[Any, ...]] = field(repr=False)

    __hash__ = None  # type: ignore[assignment]  # a mapping, as a dict: unhashable

    def __repr__(self) -> str:  # not the 800 records and the seeds' text
        counts = ", ".join(f"{name}={len(rows)}" for name, rows in self.tables.items())
        return f"Dataset(root={str(self.root)!r}, {counts})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (multiprocessing, joblib, copy) as its tables and seeds; the read-only
        views are made again."""
        return (dataset, (self.root, dict(self.tables), list(self.seeds.values())))

    def __getitem__(self, record_id: str) -> Any:
        try:
            return self._by_id[record_id]
        except (KeyError, TypeError):  # TypeError: an unhashable key (a list) is no id either
            raise UnknownKeyError(f"no record with id {record_id!r}") from None

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._by_id

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def table_of(self, record_id: str) -> str:
        """The table of the record RECORD_ID (an unknown id raises UnknownKeyError)."""
        return _CLASS_TABLES[type(self[record_id]).__name__]

    def citations(self, record_id: str) -> tuple[Any, ...]:
        """The citations whose `record_id` is RECORD_ID; () for a record no citation names.
        An unknown id raises UnknownKeyError (a typo must not read as an uncited record)."""
        self[record_id]
        return self._citations.get(record_id, ())

    def cited_spans(self, record_id: str) -> list[CitedSpan]:
        """The record's citations, each with its seed so the quote can be shown in context.
        A citation whose source or line the package lacks (possible only when loaded with
        `validate=False`) raises LookupFailedError rather than show no context."""
        out = []
        for c in self.citations(record_id):
            seed = self.seeds.get(c.source_id)
            if seed is None or seed.line(c.line) is None:
                what = f"source {c.source_id!r}" if seed is None else f"line {c.line} in {seed.path}"
                raise LookupFailedError(f"citation {c.id} names {what}, which the package does not have; run `bri-data validate`")
            out.append(CitedSpan(c, seed))
        return out

    def links(self, record_id: str) -> dict[str, Any]:
        """The records this one points at, by column (speaker_id -> the actor, subject_id ->
        the related record, ...); a citation's record is not a link (see `citations`)."""
        rec = self[record_id]
        table = C.TABLES_BY_NAME[self.table_of(record_id)]
        out = {}
        for col in table.foreign_keys:
            target = getattr(rec, col.name)
            if target is not None and table is not C.CITATIONS and target in self._by_id:
                out[col.name] = self._by_id[target]
        return out

    def relations_of(self, record_id: str) -> list[Any]:
        """The relations (RelationRecord) whose subject or object is this record."""
        self[record_id]  # an unknown id raises UnknownKeyError
        return [r for r in self.tables["relations"] if record_id in (r.subject_id, r.object_id)]

    def label(self, record_id: str) -> str:
        """A reader's label of a record: its table's `label` column (an actor's name, an
        event's summary, a statement's text...)."""
        return str(getattr(self[record_id], C.TABLES_BY_NAME[self.table_of(record_id)].label))

    def to_pandas(self, name: str | None = None, index: bool = True) -> Any:
        """Table or view NAME as a pandas DataFrame (needs `bri-data[pandas]`), indexed by its
        key unless INDEX is False; without NAME a dict of every table and view.
        See `bri_data.dataset.frames` for dtypes, attrs and dates."""
        if name is None:
            return {n: self.to_pandas(n, index) for n in NAMES}
        return pandas_frame(shape(name, self.tables, self._by_id), index)

    def to_polars(self, name: str | None = None) -> Any:
        """Table or view NAME as a polars DataFrame (needs `bri-data[fast]`); without NAME a
        dict of every table and view."""
        if name is None:
            return {n: self.to_polars(n) for n in NAMES}
        return polars_frame(shape(name, self.tables, self._by_id))

    def referrers(self, record_id: str) -> list[tuple[str, str, Any]]:
        """(table, column, record) of every non-citation record that points at this one
        (relations included). An unknown id raises UnknownKeyError."""
        self[record_id]
        out = []
        for table in C.TABLES:
            if table is C.CITATIONS:
                continue
            cols = table.foreign_keys
            for rec in self.tables[table.name]:
                out += [(table.name, c.name, rec) for c in cols if getattr(rec, c.name) == record_id]
        return out


def validated_package(path: str | Path | None = None) -> tuple[Path, Report]:
    """The root of the installed package (or the one at PATH) once it passes validation,
    with the validator's report: which engine ran and why (`engine`, `engine_note`), and
    the rows it checked per table (`rows_checked`), for callers that must say or use them.

    Raises InvalidPackageError, carrying the validator's report, when the package is invalid.
    """
    from bri_data.validation.run import validate as run

    descriptor = resolve_package(path)
    report = run(descriptor)  # the descriptor named, not another one beside it
    if not report.valid:
        raise InvalidPackageError(report)
    return descriptor.parent, report


def validated_root(path: str | Path | None = None) -> Path:
    """The root of the installed package (or the one at PATH) once it passes validation
    (`validated_package` without the report).

    Raises InvalidPackageError, carrying the validator's report, when the package is invalid.
    """
    return validated_package(path)[0]


def load(path: str | Path | None = None, validate: bool = True) -> Dataset:
    """Load the installed package (or the one at PATH) as a frozen Dataset.

    Raises InvalidPackageError, carrying the validator's report, when the package is invalid.
    """
    root, report = validated_package(path) if validate else (_unvalidated_root(path), None)
    root = root.absolute()  # `ds.root` names the same folder after a chdir
    tables = {t.name: _records(root, t, report) for t in C.TABLES}
    # The seeds of the sources rows loaded (the bytes validated), not of a sources table
    # read again. Attributes, not `model_dump()`: dumping a record built without
    # validation makes pydantic build the class's serializer (about 20 ms of load()).
    seeds = read_seeds(root, [{"id": s.id, "path": s.path} for s in tables["sources"]])
    if report is not None:
        _same_seeds(seeds, tables["sources"])
    return dataset(root, tables, seeds)


def dataset(root: Path, tables: dict[str, tuple[Any, ...]], seeds: list[Seed]) -> Dataset:
    """The Dataset of TABLES (name -> records) and SEEDS, with its indexes by id."""
    by_id = {r.id: r for rows in tables.values() for r in rows}
    cites: dict[str, list[Any]] = {}
    for c in tables["citations"]:
        cites.setdefault(c.record_id, []).append(c)
    return Dataset(
        root=root,
        tables=MappingProxyType(tables),
        seeds=MappingProxyType({s.source_id: s for s in seeds}),
        _by_id=MappingProxyType(by_id),
        _citations=MappingProxyType({k: tuple(v) for k, v in cites.items()}),
    )


def _unvalidated_root(path: str | Path | None) -> Path:
    """The package folder `load(validate=False)` reads: it reads no descriptor, so a PATH
    naming a file must name the package's own."""
    descriptor = resolve_package(path)
    if descriptor.name != DESCRIPTOR:
        raise PackageNotFoundError(f"{path} is not a {DESCRIPTOR}; give the package folder or its {DESCRIPTOR}")
    return descriptor.parent


def _same_seeds(seeds: list[Seed], sources: tuple[Any, ...]) -> None:
    """The seeds read are those validated: validation compared each with its `sources.sha256`
    (a seed must never change), so a seed changed since is refused, as a table is."""
    recorded = {s.id: s.sha256 for s in sources}
    for seed in seeds:
        if recorded.get(seed.source_id) != seed.sha256:
            raise UnreadableInputError(f"{seed.path} changed after it was validated; nothing was loaded; load again")
    if {s.source_id for s in seeds} != set(recorded):  # every source has its seed
        raise UnreadableInputError("the seeds read are not those of the sources validated; nothing was loaded; load again")


def _records(root: Path, table: C.Table, report: Report | None) -> tuple[Any, ...]:
    """TABLE's rows as records. Rows of a package that passed validation (REPORT) are
    trusted: the validator checked every cell against the contract the record class is
    generated from, and `read_rows` typed them (int, str, None) as pydantic would, so they
    are constructed without pydantic validating them again (tested: the records are
    equal). They must be the bytes validated (`Report.sha256`): a file changed since is
    refused. Without a report pydantic validates each row."""
    cls = record_class(table.name)
    rows, digest = read_rows_hashed(root, table)
    if report is None:
        return tuple(_validated(cls, table, row) for row in rows)
    same_bytes({table.name: digest}, report.sha256, (table,), "after it was validated; nothing was loaded; load again")
    return tuple(cls.model_construct(**row) for row in rows)


def _validated(cls: type[Record], table: C.Table, row: dict[str, Any]) -> Record:
    """ROW as a record, checked as `validate` checks a row (its table's JSON Schema: types,
    patterns, vocabularies, limits; control characters), then built by pydantic. A row
    that does not fit raises the library's UnreadableInputError (naming table, record and
    field). Pydantic alone would read '5_0' as 50 and take a line 0 or a malformed id."""
    problem = first_problem(table, row)
    if problem is not None:
        field, message = problem
        raise UnreadableInputError(f"{table.path}: record {short(row.get('id'))}, {field}: {message}; run `bri-data validate`")
    try:
        return cls(**row)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(map(str, err["loc"]))
        raise UnreadableInputError(
            f"{table.path}: record {short(row.get('id'))}, {field} {short(err.get('input'))}: {err['msg']}; run `bri-data validate`"
        ) from None


def to_pandas(name: str | None = None, path: str | Path | None = None, index: bool = True) -> Any:
    """Table or view NAME of the installed package (or the one at PATH) as a typed pandas
    DataFrame indexed by its key (`id`) unless INDEX is False; without NAME a dict of every
    table and view (`bri_data.to_pandas()["events"]`)."""
    return load(path).to_pandas(name, index)


def to_polars(name: str | None = None, path: str | Path | None = None) -> Any:
    """Table or view NAME of the installed package (or the one at PATH) as a typed polars
    DataFrame; without NAME a dict of every table and view."""
    return load(path).to_polars(name)
