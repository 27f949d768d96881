"""bri_data.load() and to_pandas(): typed, frozen, linked; invalid data raises with findings."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import pydantic
import pytest

import bri_data
from bri_data.contract import model as C
from bri_data.dataset.records import load
from bri_data.errors import InvalidPackageError, LookupFailedError, MissingExtraError
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
    assert list(df.columns[:4]) == ["id", "member_id", "organization_id", "status"]
    assert df["id"].dtype == "string"
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    assert list(df["status"].cat.categories) == [t.value for t in C.MEMBERSHIP_STATUSES]
    row = df.set_index("id").loc["mem-belarus-brics-partner"]
    assert row["start"] == "2024-10"
    assert row["start_earliest"] == pd.Timestamp("2024-10-01") and row["start_latest"] == pd.Timestamp("2024-10-31")
    cits = load(ROOT).to_pandas("citations")
    assert cits["line"].dtype == "Int64" and cits["char_start"].dtype == "Int64"
    events = load(ROOT).to_pandas("events")
    summit = events.set_index("id").loc["evt-kazan-summit-2024"]
    assert (summit["date_earliest"], summit["date_latest"]) == (pd.Timestamp("2024-10-23"), pd.Timestamp("2024-10-24"))
    assert events["date_basis"].isna().sum() == events["date"].isna().sum()


def test_edtf_range_of_uncertain_and_approximate_dates() -> None:
    from bri_data.dataset.frames import edtf_range

    assert edtf_range("2015") == (dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    assert edtf_range("2023-08/2024-10-31") == (dt.date(2023, 8, 1), dt.date(2024, 10, 31))
    assert edtf_range(None) == (None, None)


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(MissingExtraError, match=r'pip install "bri-data\[pandas\]"'):
        bri_data.to_pandas("actors", ROOT)
