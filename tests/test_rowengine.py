"""The row engine's process-wide setting: the cycle collector is paused while it checks
the tables, and given back as it was."""

from __future__ import annotations

import gc

import pytest

from bri_data.validation import rowengine
from bri_data.validation.run import validate
from fixturekit import ROOT


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_while_rows_stream(enabled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    stream = rowengine.stream_table

    def watched(*args: object) -> object:
        seen.append(gc.isenabled())
        return stream(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(rowengine, "stream_table", watched)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        report = validate(ROOT, engine="rows")
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
    assert report.valid and report.engine == "rows"
    assert seen and not any(seen)  # paused for every table
    assert after is enabled  # as the caller had it
