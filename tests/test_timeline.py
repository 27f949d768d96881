"""The timeline renders the shipped data in both formats, with every dated record drawn."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from bri_data.build.timeline import layout, render
from bri_data.cli import app
from bri_data.contract.edtf import bounds
from bri_data.dataset.records import load
from bri_data.errors import MissingExtraError, OutputExistsError
from bri_data.files.atomic import SVG_MARK
from fixturekit import ROOT, cli_runner

SVG = "{http://www.w3.org/2000/svg}"


def test_svg_draws_every_dated_event_and_every_spell(tmp_path: Path) -> None:
    out = render(tmp_path / "t.svg", path=ROOT)
    tree = ET.parse(out)
    ds = load(ROOT)
    dated = [e for e in ds.tables["events"] if e.date and bounds(e.date)]  # type: ignore[attr-defined]
    texts = [t.text or "" for t in tree.iter(f"{SVG}text")]
    for e in dated:
        assert any(t.startswith(f"{e.date}  ") and e.summary[:30] in t for t in texts), e.id  # type: ignore[attr-defined]
    # one bar or dot per event, one bar (at least) per spell, plus legend shapes
    shapes = list(tree.iter(f"{SVG}rect")) + list(tree.iter(f"{SVG}circle"))
    assert len(shapes) >= len(dated) + len(ds.tables["memberships"])
    assert {"2015", "2024", "2025"} <= set(texts)
    assert out.read_text() == (ROOT / "docs" / "timeline.svg").read_text()  # the committed picture is current


def test_uncertain_dates_are_ranges_not_points() -> None:
    ds = load(ROOT)
    spans = [bounds(e.date) for e in ds.tables["events"] if e.date and bounds(e.date)]
    ranged = sum(1 for lo, hi in spans if lo != hi)  # a month, a year, an interval
    d = layout(ds)
    event_bars = [s for s in d.shapes if s.kind == "rect" and s.h == 6]
    assert ranged > 0 and len(event_bars) == ranged
    # a year ("2015") is drawn many times wider than a two-day range ("2024-10-23/2024-10-24")
    assert max(b.w for b in event_bars) > 10 * min(b.w for b in event_bars)


def test_png_is_written_and_overwrite_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "t.png"
    result = cli_runner().invoke(app, ["timeline", str(out), "--package", str(ROOT)])
    assert result.exit_code == 0 and result.stdout == f"wrote {out}\n"
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] >= 2000 and im.size[1] > 500
        assert len(im.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 10  # something was drawn
    with pytest.raises(OutputExistsError):
        render(out, path=ROOT)
    again = cli_runner().invoke(app, ["timeline", str(out), "--package", str(ROOT)])
    assert again.exit_code == 2 and "--force" in again.stderr
    bad = cli_runner().invoke(app, ["timeline", str(tmp_path / "t.pdf"), "--package", str(ROOT)])
    assert bad.exit_code == 2 and ".svg or .png" in bad.stderr


def test_png_without_pillow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with pytest.raises(MissingExtraError, match=r"bri-data\[plot\]"):
        render(tmp_path / "t.png", path=ROOT)
    assert not (tmp_path / "t.png").exists()


def _with(ds: object, events: object, memberships: object) -> object:
    import dataclasses

    tables = {**ds.tables, "events": events, "memberships": memberships}  # type: ignore[attr-defined]
    return dataclasses.replace(ds, tables=tables)  # type: ignore[type-var]


def test_no_dated_records_and_the_last_day_of_9999_draw_without_error() -> None:
    from bri_data.build.timeline import to_svg

    ds = load(ROOT)
    events = ds.tables["events"]
    spells = ds.tables["memberships"]
    undated = _with(ds, tuple(e.model_copy(update={"date": None}) for e in events), tuple(m.model_copy(update={"start": None, "end": None}) for m in spells))
    svg = to_svg(layout(undated))  # type: ignore[arg-type]
    assert svg.startswith(SVG_MARK + "\n<svg") and "<circle" not in svg.split("Dated events")[1].split("2000")[0]
    late = _with(ds, (events[0].model_copy(update={"date": "9999-12-31"}), *events[1:]), spells)
    svg = to_svg(layout(late))  # type: ignore[arg-type]
    assert ">10000<" in svg  # the tick at the axis end, 1 January after 9999-12-31
    ticks = [t for t in ET.fromstring(svg).iter(f"{SVG}text") if (t.text or "").isdigit()]
    assert len(ticks) <= 62  # a span of 8,000 years is not drawn with 8,000 ticks


def test_more_rows_than_the_limit_is_a_clear_error() -> None:
    from bri_data.errors import UsageError
    from bri_data.files.limits import MAX_TIMELINE_ROWS

    ds = load(ROOT)
    e = ds.tables["events"][0]
    many = tuple(e.model_copy(update={"id": f"evt-n{i}", "date": "2024-10-23"}) for i in range(MAX_TIMELINE_ROWS + 5))
    with pytest.raises(UsageError, match="at most"):
        layout(_with(ds, many, ds.tables["memberships"]))  # type: ignore[arg-type]
