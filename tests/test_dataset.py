"""bri_data.load() and to_pandas(): typed, frozen, linked; invalid data raises with findings."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pydantic
import pytest

import bri_data
from bri_data.contract import model as C
from bri_data.dataset.records import load, record_class
from bri_data.errors import InvalidPackageError, LookupFailedError, MissingExtraError, UnknownKeyError, UnreadableInputError
from bri_data.files.package import read_rows
from fixturekit import ROOT, copy_package


def test_public_api_is_exported() -> None:
    for name in bri_data.__all__:
        assert getattr(bri_data, name) is not None
    assert (Path(bri_data.__file__).parent / "py.typed").is_file()


def test_load_gives_frozen_typed_records_with_links() -> None:
    ds = load(ROOT)
    for table in C.TABLES:
        assert len(ds.tables[table.name]) == len(read_rows(ROOT, table)) > 0
    luk = ds["act-lukashenka"]
    assert type(luk).__name__ == "ActorRecord" and luk.country == "BLR"  # type: ignore[attr-defined]
    with pytest.raises(pydantic.ValidationError):
        luk.name = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ds.tables["actors"] = ()  # type: ignore[index]
    cit = ds.tables["citations"][0]
    assert isinstance(cit.line, int)  # type: ignore[attr-defined]
    stm = next(s for s in ds.tables["statements"] if s.speaker_id == "act-lukashenka")  # type: ignore[attr-defined]
    assert ds.links(stm.id)["speaker_id"] is luk
    spans = ds.cited_spans(stm.id)
    assert spans and any(s.citation.quote == stm.text for s in spans)  # type: ignore[attr-defined]
    for s in spans:
        assert s.before + s.citation.quote + s.after == s.line_text  # type: ignore[attr-defined]
    assert ("statements", "speaker_id", stm) in ds.referrers("act-lukashenka")
    with pytest.raises(LookupFailedError):
        ds["act-nobody"]


def test_records_of_a_validated_package_equal_pydantic_validated_ones(tmp_path: Path) -> None:
    """load() skips pydantic's validation of rows the validator passed: the records must
    be exactly what validating each row gives, and validate=False still validates."""
    ds = load(ROOT)
    for table in C.TABLES:
        cls = record_class(table.name)
        for record, row in zip(ds.tables[table.name], read_rows(ROOT, table), strict=True):
            checked = cls.model_validate(row)
            assert record == checked and record.model_fields_set == checked.model_fields_set, record.id
            assert [type(v) for v in record.model_dump().values()] == [type(v) for v in checked.model_dump().values()]
    pkg = copy_package(tmp_path / "pkg")
    events = pkg / "data" / "events.csv"
    events.write_text(events.read_text(encoding="utf-8").replace(",summit,", ",sumit,", 1), encoding="utf-8")
    with pytest.raises(UnreadableInputError, match=r"data/events\.csv: record 'evt-.*', type: events\.type 'sumit' is not in the vocabulary"):
        load(pkg, validate=False)  # unvalidated rows are still checked, and the library's error says so


@pytest.mark.parametrize(
    ("column", "cell", "says"),
    [
        ("line", "5_0", r"line: citations\.line must be a whole number, got '5_0'"),  # int() reads 50
        ("line", "+7", r"line: citations\.line must be a whole number"),
        ("line", " 7", r"line: citations\.line must be a whole number"),
        ("line", "7.0", r"line: citations\.line must be a whole number"),
        ("line", "0", r"line: citations\.line must be at least 1, got 0"),
        ("char_start", "-1", r"char_start: citations\.char_start must be at least 0"),
        ("id", "cit-Bad", r"'cit-Bad', id: citations\.id 'cit-Bad' does not match"),
        ("quote", "a\x07b", r"quote: citations\.quote holds the control character \\x07"),
    ],
)
def test_unvalidated_rows_get_the_row_check_validate_makes(tmp_path: Path, column: str, cell: str, says: str) -> None:
    """load(validate=False) checks each row as `validate` does (JSON Schema, control
    characters): pydantic alone took '5_0' as 50, '+7' as 7, a line 0 and a malformed id,
    and a citation then pointed at other words than its quote."""
    pkg = copy_package(tmp_path / "pkg")
    path = pkg / "data" / "citations.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index(column)] = cell
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    with pytest.raises(UnreadableInputError, match=r"data/citations\.csv: record .*" + says):
        load(pkg, validate=False)


def test_a_table_changed_after_validation_is_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """load() trusts the rows validation passed, so it reads the very bytes validated: a
    file saved over between the two (an editor, a checkout) is refused, not loaded with
    wrong types."""
    import bri_data.dataset.records as records
    from bri_data.errors import UnreadableInputError
    from bri_data.validation import run

    pkg = copy_package(tmp_path / "pkg")
    citations = pkg / "data" / "citations.csv"
    checked = run.validate

    def validate_then_edit(*args: object, **kwargs: object) -> object:
        report = checked(*args, **kwargs)  # type: ignore[arg-type]
        lines = citations.read_text(encoding="utf-8").splitlines(keepends=True)
        cells = lines[1].split(",")
        lines[1] = ",".join([*cells[:3], "twelve", *cells[4:]])
        citations.write_text("".join(lines), encoding="utf-8")
        return report

    monkeypatch.setattr(run, "validate", validate_then_edit)
    with pytest.raises(UnreadableInputError, match=r"citations\.csv changed after it was validated"):
        records.load(pkg)


def test_dataset_is_a_mapping_of_record_ids() -> None:
    ds = load(ROOT)
    n = sum(len(rows) for rows in ds.tables.values())
    assert len(ds) == n == len(set(ds)) and "evt-kazan-summit-2024" in ds and "evt-nothing" not in ds
    assert all(ds[i].id == i for i in ds) and ds.get("evt-nothing") is None
    assert dict(ds.items())["act-lukashenka"] is ds["act-lukashenka"]
    with pytest.raises(KeyError, match="no record with id 'evt-nothing'") as info:
        ds["evt-nothing"]
    assert isinstance(info.value, UnknownKeyError) and str(info.value) == "no record with id 'evt-nothing'"
    with pytest.raises(KeyError):
        ds.tables["nothing"]
    with pytest.raises(KeyError, match="no table or view 'nothing'"):
        ds.to_pandas("nothing")


def test_loading_invalid_data_raises_with_the_findings(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    events = pkg / "data" / "events.csv"
    events.write_text(events.read_text(encoding="utf-8").replace(",summit,", ",sumit,", 1), encoding="utf-8")
    with pytest.raises(InvalidPackageError) as info:
        load(pkg)
    assert "row.enum" in info.value.report.counts
    assert info.value.report.exit_code == 1


def test_to_pandas_dtypes_follow_the_contract() -> None:
    df = bri_data.to_pandas("memberships", ROOT)
    assert list(df.columns[:3]) == ["member_id", "organization_id", "status"]
    assert df.index.dtype == "string" and bri_data.to_pandas("memberships", ROOT, index=False)["id"].dtype == "string"
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    assert list(df["status"].cat.categories) == [t.value for t in C.MEMBERSHIP_STATUSES]
    assert df.index.name == "id" and "id" not in df.columns
    row = df.loc["mem-kazakhstan-brics-abstaining"]
    assert row["start"] == "2024-10"
    assert row["start_earliest"] == pd.Timestamp("2024-10-01") and row["start_latest"] == pd.Timestamp("2024-10-31")
    cits = load(ROOT).to_pandas("citations")
    assert cits["line"].dtype == "Int64" and cits["char_start"].dtype == "Int64"
    events = load(ROOT).to_pandas("events")
    summit = events.loc["evt-kazan-summit-2024"]
    assert (summit["date_earliest"], summit["date_latest"]) == (pd.Timestamp("2024-10-23"), pd.Timestamp("2024-10-24"))
    assert events["date_basis"].notna().all()
    assert ((events["date_basis"] == "not_given") == events["date"].isna()).all()
    assert events["date"].notna().all()  # the second edition dates or bounds every event


def test_edtf_range_of_uncertain_and_approximate_dates() -> None:
    from bri_data.dataset.frames import edtf_range

    assert edtf_range("2015") == (dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    assert edtf_range("2023-08/2024-10-31") == (dt.date(2023, 8, 1), dt.date(2024, 10, 31))
    assert edtf_range(None) == (None, None)


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(MissingExtraError, match=r'pip install "bri-data\[pandas\]"'):
        bri_data.to_pandas("actors", ROOT)


def _plain(value: object) -> object:
    """A frame cell as the SQLite driver gives it: None for missing, int, str, list."""
    if isinstance(value, list):
        return value
    return None if pd.isna(value) else (int(value) if isinstance(value, (int, np.integer)) else str(value))  # type: ignore[arg-type]


def test_to_pandas_without_a_name_gives_every_table_and_view_like_sqlite(tmp_path: Path) -> None:
    from bri_data.contract.views import VIEWS
    from bri_data.exports.writers import export

    frames = bri_data.to_pandas(path=ROOT)
    assert list(frames) == [t.name for t in C.TABLES] + [v.name for v in VIEWS]
    export("sqlite", tmp_path / "bri.db", path=ROOT)
    con = sqlite3.connect(tmp_path / "bri.db")
    for view in VIEWS:
        df = frames[view.name]
        assert df.index.name == view.key and df.index.is_unique
        flat = df.reset_index()
        mine = sorted((tuple(_plain(flat[c].iloc[i]) for c in view.column_names) for i in range(len(flat))), key=repr)
        cols = ", ".join(f'"{c}"' for c in view.column_names)
        theirs = sorted(con.execute(f"SELECT {cols} FROM {view.name}").fetchall(), key=repr)
        assert mine == theirs, view.name
    named = frames["statements_named"]
    assert (named["speaker_name"] == "Alyaksandr Lukashenka").sum() == (named["speaker_id"] == "act-lukashenka").sum() > 0
    assert set(frames["record_citations"]["record_table"].cat.categories) == {t.name for t in C.TABLES if t is not C.CITATIONS}


def test_frames_carry_aliases_as_lists_and_descriptions_in_attrs() -> None:
    actors = bri_data.to_pandas("actors", ROOT)
    assert all(isinstance(a, list) for a in actors["aliases"])
    assert "Lukashenka" in actors.loc["act-lukashenka", "aliases"]
    raw = {r["id"]: r["aliases"] for r in read_rows(ROOT, C.ACTORS)}
    assert {i: ";".join(a) or None for i, a in actors["aliases"].items()} == raw
    attrs = bri_data.to_pandas("events", ROOT).attrs
    assert attrs["version"] == C.VERSION and attrs["licenses"][0]["name"] == "CC-BY-4.0"
    assert attrs["columns"]["type"] == C.EVENTS.column("type").description and attrs["index"] == "id"
    assert "NaT" in attrs["columns"]["date_latest"]
    assert bri_data.to_pandas("statements_named", ROOT).attrs["columns"]["speaker_name"].startswith("Name of the speaker")


def test_open_ends_are_nat() -> None:
    spells = bri_data.to_pandas("memberships", ROOT)
    # a start given as an open bound ("../2024-10-31") has no earliest day either
    open_end = spells[spells["start"].notna() & ~spells["start"].str.startswith("..", na=False) & spells["end"].isna()]
    assert len(open_end) > 0 and open_end["end_latest"].isna().all() and open_end["start_earliest"].notna().all()
    open_start = spells[spells["start"].str.startswith("..", na=False)]
    assert len(open_start) > 0 and open_start["start_earliest"].isna().all() and open_start["start_latest"].notna().all()


def test_to_polars_matches_pandas() -> None:
    import polars as pl

    frames = bri_data.to_polars(path=ROOT)
    pandas_frames = bri_data.to_pandas(path=ROOT, index=False)
    assert list(frames) == list(pandas_frames)
    for name, pframe in frames.items():
        df = pandas_frames[name]
        assert pframe.columns == list(df.columns) and pframe.height == len(df), name
    events = frames["events"]
    assert isinstance(events.schema["type"], pl.Enum) and events.schema["date_earliest"] == pl.Date
    assert frames["citations"].schema["line"] == pl.Int64
    assert frames["actors"].schema["aliases"] == pl.List(pl.String)
    summit = events.filter(pl.col("id") == "evt-kazan-summit-2024").row(0, named=True)
    assert (summit["date_earliest"], summit["date_latest"]) == (dt.date(2024, 10, 23), dt.date(2024, 10, 24))


def test_a_seed_changed_after_validation_is_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As for a table: the seeds read are those validated (their `sources.sha256`), or the
    quotes shown in context would not be the words validated."""
    import bri_data.dataset.records as records
    from bri_data.validation import run

    pkg = copy_package(tmp_path / "pkg")
    seed = next((pkg / "seeds").glob("003_*.txt"))
    checked = run.validate

    def validate_then_edit(*args: object, **kwargs: object) -> object:
        report = checked(*args, **kwargs)  # type: ignore[arg-type]
        seed.write_text(seed.read_text(encoding="utf-8").replace("Lukashenka", "Lukashenko", 1), encoding="utf-8")
        return report

    monkeypatch.setattr(run, "validate", validate_then_edit)
    with pytest.raises(UnreadableInputError, match=r"seeds/003_.*\.txt changed after it was validated"):
        records.load(pkg)


def test_load_validates_the_descriptor_it_is_given(tmp_path: Path) -> None:
    """PATH names a datapackage.json or its folder: another file beside it is not the
    package's descriptor, and load() does not read the one next to it instead."""
    pkg = copy_package(tmp_path / "pkg")
    (pkg / "notes.txt").write_text("not json", encoding="utf-8")
    with pytest.raises(InvalidPackageError) as info:
        load(pkg / "notes.txt")
    assert "descriptor.not_json" in info.value.report.counts
    with pytest.raises(bri_data.PackageNotFoundError, match=r"is not a datapackage\.json"):
        load(pkg / "notes.txt", validate=False)
    assert len(load(pkg / "datapackage.json", validate=False)) == len(load(pkg))


def test_unknown_ids_raise_in_every_dataset_method() -> None:
    """A typo is an UnknownKeyError everywhere, never an answer: an empty list of citations
    would read as an uncited record."""
    ds = load(ROOT)
    for method in ("table_of", "citations", "cited_spans", "referrers", "links", "relations_of", "label"):
        for key in ("act-lukashenk", "nonsense", "", ["act-lukashenka"], None):
            with pytest.raises(UnknownKeyError, match="no record with id"):
                getattr(ds, method)(key)
    for frame in ("to_pandas", "to_polars"):
        for name in (["events"], "event", 3):  # a list names no table, as an int does not
            with pytest.raises(UnknownKeyError, match="no table or view"):
                getattr(ds, frame)(name)
    assert ds.table_of("act-lukashenka") == "actors" and ds.citations("act-lukashenka")
    assert ds.table_of("cit-000-001") == "citations" and ds.citations("cit-000-001") == ()


def test_unvalidated_rows_that_point_nowhere_raise_the_librarys_errors(tmp_path: Path) -> None:
    """With validate=False a citation may name a source or line the package lacks: its span
    cannot be shown, which is said (LookupFailedError), not an empty context."""
    pkg = copy_package(tmp_path / "pkg")
    cits = pkg / "data" / "citations.csv"
    lines = cits.read_text(encoding="utf-8").splitlines(keepends=True)
    first = lines[1].split(",")
    at = next(i for i, line in enumerate(lines[2:], 2) if line.split(",")[1] != first[1])  # another record's
    second = lines[at].split(",")
    lines[1] = ",".join([*first[:2], "src-nowhere", *first[3:]])
    lines[at] = ",".join([*second[:3], "9999", *second[4:]])
    cits.write_text("".join(lines), encoding="utf-8")
    ds = load(pkg, validate=False)
    with pytest.raises(LookupFailedError, match=f"citation {first[0]} names source 'src-nowhere'"):
        ds.cited_spans(first[1])
    with pytest.raises(LookupFailedError, match=f"citation {second[0]} names line 9999 in seeds/"):
        ds.cited_spans(second[1])


def test_the_root_stays_the_package_after_a_chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_package(tmp_path / "pkg")
    monkeypatch.chdir(tmp_path)
    ds = load("pkg")
    assert ds.root == tmp_path / "pkg" and ds.root.is_absolute()


def test_records_and_datasets_pickle_copy_and_print_briefly() -> None:
    """multiprocessing, joblib and notebooks pickle and copy what they are given; a
    Dataset's repr is a line, not its 800 records and the seeds' text."""
    import copy
    import pickle

    ds = load(ROOT)
    record = ds["act-lukashenka"]
    again = pickle.loads(pickle.dumps(record))
    assert again == record and type(again) is type(record) and type(record).__name__ == "ActorRecord"
    for other in (pickle.loads(pickle.dumps(ds)), copy.deepcopy(ds)):
        assert dict(other.items()) == dict(ds.items()) and other.root == ds.root
        assert other.cited_spans("act-lukashenka")[0].line_text == ds.cited_spans("act-lukashenka")[0].line_text
    assert repr(ds).startswith(f"Dataset(root={str(ds.root)!r}, sources=") and len(repr(ds)) < 200
    with pytest.raises(TypeError, match="unhashable type: 'Dataset'"):
        hash(ds)


@pytest.mark.parametrize("call", ["load(5)", "load(False)", "to_pandas('events', False)", "export('csv', 'x')", "export('sqlite', None)"])
def test_wrong_arguments_raise_the_librarys_usage_error(call: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ValueError too, as Python's own wrong arguments are; and nothing is written."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(bri_data.UsageError) as info:
        eval(call, {"load": load, "to_pandas": bri_data.to_pandas, "export": bri_data.export})
    assert isinstance(info.value, ValueError) and list(tmp_path.iterdir()) == []


def test_load_reads_the_sources_table_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The seeds loaded are those of the sources rows loaded (the bytes validated), not of
    the sources table read a second time, which may have changed in between."""
    import bri_data.files.package as package

    real = package.read_rows

    def no_second_reading(root: Path, table: C.Table) -> object:
        assert table is not C.SOURCES, "sources.csv read again"
        return real(root, table)

    monkeypatch.setattr(package, "read_rows", no_second_reading)
    ds = load(ROOT)
    assert set(ds.seeds) == {s.id for s in ds.tables["sources"]}


def test_table_of_an_unvalidated_record_is_its_table_whatever_its_id() -> None:
    ds = load(ROOT)
    assert all(ds.table_of(r.id) == name for name, rows in ds.tables.items() for r in rows)


@pytest.mark.parametrize("call", ["write_site(5)", "render(5)", "export('sqlite', 'x.db', metadata=5)", "export('sqlite', 'x\\0.db')"])
def test_wrong_output_arguments_raise_the_librarys_usage_error(call: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bri_data.build.site import write_site
    from bri_data.build.timeline import render

    monkeypatch.chdir(tmp_path)
    with pytest.raises(bri_data.UsageError):
        eval(call, {"write_site": write_site, "render": render, "export": bri_data.export})
    assert list(tmp_path.iterdir()) == []
