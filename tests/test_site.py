"""`bri-data site`: every page strict HTML5 with landmarks, links that resolve, every citation
highlighted exactly, hostile data rendered as text, deterministic, only from valid data, and
never replacing a folder bri-data did not write."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest
from typer.testing import CliRunner

from bri_data.build.generate import build
from bri_data.build.site import MARKER, record_href, write_site
from bri_data.cli import app
from bri_data.contract import model as C
from bri_data.errors import InvalidPackageError, MissingExtraError, OutputError, OutputExistsError
from bri_data.files.package import read_rows
from bri_data.validation.run import validate
from fixturekit import ROOT, apply_edit, copy_package

runner = CliRunner()


def parse(path: Path) -> ET.Element:
    """The page parsed by html5lib in strict mode: any parse error raises."""
    parser = html5lib.HTMLParser(strict=True, tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    return parser.parse(path.read_bytes())  # type: ignore[no-any-return]


def classes(el: ET.Element) -> list[str]:
    return (el.get("class") or "").split()


def text(el: ET.Element) -> str:
    return "".join(el.itertext())


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, ET.Element]:
    return {p.relative_to(site).as_posix(): parse(p) for p in sorted(site.rglob("*.html"))}


def test_every_page_is_strict_html5_with_landmarks_and_one_h1(pages: dict[str, ET.Element]) -> None:
    records = [r for t in C.TABLES if t is not C.CITATIONS for r in read_rows(ROOT, t)]
    assert {f"records/{r['id']}.html" for r in records} <= set(pages)
    assert {f"seeds/{r['id']}.html" for r in read_rows(ROOT, C.SOURCES)} <= set(pages)
    assert {f"tables/{t.name}.html" for t in C.TABLES} <= set(pages)
    assert {"index.html", "timeline.html", "dictionary.html", "datasheet.html", "search.html"} <= set(pages)
    for rel, root in pages.items():
        assert root.get("lang") == "en", rel
        body = root.find("body")
        assert body is not None
        for landmark in ("header", "main", "footer"):
            assert len(body.findall(landmark)) == 1, (rel, landmark)
        assert body.find("header/nav") is not None and body.find("header/nav").get("aria-label"), rel  # type: ignore[union-attr]
        headings = [int(el.tag[1]) for el in root.iter() if re.fullmatch(r"h[1-6]", str(el.tag))]
        assert headings.count(1) == 1 and headings[0] == 1, rel
        assert all(b <= a + 1 for a, b in itertools.pairwise(headings)), (rel, headings)  # no level skipped
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert len(ids) == len(set(ids)), rel
        for a in root.iter("a"):
            assert (a.get("href") and text(a).strip()) or a.get("aria-label"), (rel, ET.tostring(a))
            assert a.get("tabindex") is None, rel
        for img in root.iter("img"):
            assert img.get("alt"), rel
        for field in root.iter("input"):
            assert root.find(f".//label[@for='{field.get('id')}']") is not None, rel


def test_links_are_relative_and_resolve(site: Path, pages: dict[str, ET.Element]) -> None:
    ids = {rel: {el.get("id") for el in root.iter() if el.get("id")} for rel, root in pages.items()}
    checked = 0
    for rel, root in pages.items():
        for el in root.iter():
            for attr in ("href", "src", "action"):
                ref = el.get(attr)
                if ref is None:
                    continue
                parts = urlsplit(ref)
                assert not parts.scheme and not parts.netloc and not parts.path.startswith("/"), (rel, ref)
                target = (site / rel).parent / parts.path if parts.path else site / rel
                assert target.resolve().is_file() and site.resolve() in target.resolve().parents, (rel, ref)
                if parts.fragment:
                    assert parts.fragment in ids[target.resolve().relative_to(site.resolve()).as_posix()], (rel, ref)
                checked += 1
    assert checked > 5_000  # nav, highlights, citations: the loop saw them all


def _citations(source_id: str) -> dict[str, dict[str, object]]:
    return {c["id"]: c for c in read_rows(ROOT, C.CITATIONS) if c["source_id"] == source_id}


@pytest.mark.parametrize("source_id", [s["id"] for s in read_rows(ROOT, C.SOURCES)])
def test_seed_page_highlights_every_citation_of_its_seed_exactly(pages: dict[str, ET.Element], source_id: str) -> None:
    root = pages[f"seeds/{source_id}.html"]
    cits = _citations(source_id)
    source = next(s for s in read_rows(ROOT, C.SOURCES) if s["id"] == source_id)
    lines = (ROOT / str(source["path"])).read_text(encoding="utf-8").split("\n")
    anchors = [el.get("id") for el in root.iter("span") if "anchor" in classes(el)]
    assert sorted(anchors) == sorted(cits)  # one anchor per citation, none more
    items = [li for ol in root.iter("ol") if "seed" in classes(ol) for li in ol.findall("li")]
    assert [li.get("id") for li in items] == [f"L{n}" for n in range(1, len(lines) + 1)]
    seen: dict[str, str] = {}
    for number, li in enumerate(items, start=1):
        tx = next(el for el in li.iter("span") if "tx" in classes(el))
        # the line's text, exactly: the highlights add no character and lose none
        assert _line_text(tx) == lines[number - 1], number
        assert all("hl" in classes(a) for a in tx.iter("a"))
        for a in (el for el in tx.iter() if "hl" in classes(el)):
            assert (a.tag == "a") == bool(text(a).strip())  # spaces between spans are highlighted, not links
            ids = (a.get("data-cits") or "").split()
            assert ids and all(cits[i]["line"] == number for i in ids)
            # the link goes to the record of the shortest covering citation
            shortest = min(ids, key=lambda i: (int(cits[i]["char_end"]) - int(cits[i]["char_start"]), i))  # type: ignore[call-overload]
            assert a.tag == "span" or a.get("href") == f"../{record_href(str(cits[shortest]['record_id']))}"
            assert ids[0] == shortest
            assert {f"t-{_table(str(cits[i]['record_id']))}" for i in ids} <= set(classes(a))
            for i in ids:
                seen[i] = seen.get(i, "") + text(a)
    # every citation's highlighted pieces, read in order, are its quote
    assert seen == {i: c["quote"] for i, c in cits.items()}


def _line_text(tx: ET.Element) -> str:
    parts = [tx.text or ""]
    for child in tx:
        if "badge" not in classes(child):
            parts.append(_line_text(child) if len(child) else (child.text or ""))
        parts.append(child.tail or "")
    return "".join(parts)


def _table(record_id: str) -> str:
    return C.TABLES_BY_PREFIX[record_id.split("-", 1)[0]].name


def test_record_pages_show_fields_links_and_each_citation_in_its_line(pages: dict[str, ET.Element]) -> None:
    cits = read_rows(ROOT, C.CITATIONS)
    for table in C.TABLES:
        if table is C.CITATIONS:
            continue
        for rec in read_rows(ROOT, table):
            root = pages[f"records/{rec['id']}.html"]
            mine = [c for c in cits if c["record_id"] == rec["id"]]
            items = [li for ol in root.iter("ol") if "contexts" in classes(ol) for li in ol.findall("li")]
            assert sorted(li.get("id") for li in items) == sorted(c["id"] for c in mine), rec["id"]
            for li in items:
                c = next(c for c in mine if c["id"] == li.get("id"))
                marks = list(li.iter("mark"))
                assert [text(m) for m in marks] == [c["quote"]]
                to_seed = next(a for a in li.iter("a") if "to-seed" in classes(a))
                assert to_seed.get("href") == f"../seeds/{c['source_id']}.html#{c['id']}"
            hrefs = {a.get("href") for a in root.iter("a")}
            for col in table.foreign_keys:
                if rec[col.name] is not None:
                    assert f"../{record_href(str(rec[col.name]))}" in hrefs, (rec["id"], col.name)
    luk = pages["records/act-lukashenka.html"]
    speaking = {s["id"] for s in read_rows(ROOT, C.STATEMENTS) if s["speaker_id"] == "act-lukashenka"}
    referrers = {a.get("href") for ul in luk.iter("ul") if "referrers" in classes(ul) for a in ul.iter("a")}
    assert {f"{i}.html" for i in speaking} <= referrers and len(speaking) > 10


def test_table_pages_list_every_row(pages: dict[str, ET.Element]) -> None:
    for table in C.TABLES:
        root = pages[f"tables/{table.name}.html"]
        body = root.find(".//table/tbody")
        assert body is not None
        ids = [text(tr.find("td")) for tr in body.findall("tr")]  # type: ignore[arg-type]
        assert sorted(ids) == sorted(r["id"] for r in read_rows(ROOT, table))
    events = pages["tables/events.html"].find(".//table/tbody")
    dates = [text(tr.findall("td")[1]) for tr in events]  # type: ignore[union-attr]
    dated = [d for d in dates if d]
    assert dated == sorted(dated) and dates[: len(dated)] == dated  # by date, undated last


def test_dictionary_datasheet_timeline_and_search_index(site: Path, pages: dict[str, ET.Element]) -> None:
    dictionary = text(pages["dictionary.html"].find("body/main"))  # type: ignore[arg-type]
    for table in C.TABLES:
        assert all(col.name in dictionary for col in table.columns)
    assert "Datasheet" in text(pages["datasheet.html"].find(".//h1"))  # type: ignore[arg-type]
    assert (site / "timeline.svg").read_text() == (ROOT / "docs" / "timeline.svg").read_text()
    js = (site / "assets" / "search-index.js").read_text()
    assert js.startswith("window.BRI_SEARCH = ") and js.endswith(";\n")
    entries = json.loads(js.removeprefix("window.BRI_SEARCH = ").removesuffix(";\n"))
    assert len(entries) == sum(len(read_rows(ROOT, t)) for t in C.TABLES)  # every record and every quote
    assert all(re.fullmatch(r"(records/[a-z0-9-]+\.html|seeds/[a-z0-9-]+\.html#cit-[a-z0-9-]+)", e[0]) for e in entries)
    assert (site / MARKER).is_file()


def test_same_package_gives_a_byte_identical_site(site: Path, tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "elsewhere")  # another place on disk must not show
    write_site(tmp_path / "again", path=pkg)
    assert site_files(tmp_path / "again") == site_files(site)


# A hostile but valid package: markup in data values and in the seed text.
HOSTILE_NAME = '<script>alert("name")</script>'
HOSTILE_ROLE = '"><img src=x onerror=alert(1)>'
HOSTILE_SUMMARY = "javascript:alert(1)//</textarea><svg onload=alert(2)>"
HOSTILE_NOTE = "<iframe src=\"javascript:alert(3)\"></iframe>"
UNCITED = "<script>alert('seed')</script> is not cited here."
CITED = "\"><img src=x onerror=alert(4)>"
HOSTILE_LINE = f"{UNCITED} The cited part is {CITED} now."


def hostile_package(dest: Path) -> Path:
    pkg = copy_package(dest)
    seed = pkg / "seeds" / "003_5f8b42ce40194c35.txt"
    seed.write_bytes(seed.read_bytes() + f"\n{HOSTILE_LINE}".encode())
    line = len(seed.read_text(encoding="utf-8").split("\n"))
    start = HOSTILE_LINE.index(CITED)
    first_event = read_rows(pkg, C.EVENTS)[0]["id"]
    edits = [
        {"op": "set_cell", "table": "sources", "id": "src-kazan-interviews-report", "column": "sha256", "value": hashlib.sha256(seed.read_bytes()).hexdigest()},
        {"op": "set_cell", "table": "sources", "id": "src-kazan-interviews-report", "column": "notes", "value": HOSTILE_NOTE},
        {"op": "set_cell", "table": "actors", "id": "act-lukashenka", "column": "name", "value": HOSTILE_NAME},
        {"op": "set_cell", "table": "actors", "id": "act-lukashenka", "column": "role", "value": HOSTILE_ROLE},
        {"op": "set_cell", "table": "events", "id": first_event, "column": "summary", "value": HOSTILE_SUMMARY},
        {"op": "append_row", "table": "citations", "values": {
            "id": "cit-hostile", "record_id": first_event, "source_id": "src-kazan-interviews-report", "line": str(line),
            "char_start": str(start), "char_end": str(start + len(CITED)), "quote": CITED, "role": "evidence"}},
    ]
    for edit in edits:
        apply_edit(pkg, edit)
    build(pkg, docs=False)  # fresh bytes and hashes in the descriptor, as a curator would
    return pkg


def test_hostile_values_and_seed_text_render_as_text(tmp_path: Path) -> None:
    pkg = hostile_package(tmp_path / "pkg")
    assert validate(pkg).valid, "the hostile package must be valid, or the site would refuse it"
    out = tmp_path / "site"
    write_site(out, path=pkg)
    ours = {"../assets/site.js", "assets/site.js", "../assets/search-index.js", "assets/search-index.js"}
    for page in out.rglob("*.html"):
        root = parse(page)
        for el in root.iter():
            assert el.tag not in ("iframe", "svg", "object", "embed", "textarea", "style"), page
            assert not [a for a in el.attrib if a.lower().startswith("on")], (page, el.tag, el.attrib)
            for attr in ("href", "src", "action"):
                assert not (el.get(attr) or "").strip().lower().startswith(("javascript:", "data:")), page
        assert {s.get("src") for s in root.iter("script")} <= ours, page
        assert [i.get("src") for i in root.iter("img")] in ([], ["timeline.svg"]), page
    luk = parse(out / "records" / "act-lukashenka.html")
    assert HOSTILE_NAME in text(luk.find(".//h1"))  # type: ignore[arg-type]
    assert HOSTILE_ROLE in text(luk.find("body/main"))  # type: ignore[arg-type]
    raw = (out / "records" / "act-lukashenka.html").read_text()
    assert HOSTILE_NAME not in raw and "&lt;script&gt;" in raw
    seed = parse(out / "seeds" / "src-kazan-interviews-report.html")
    last = seed.findall(".//ol/li")[-1]
    uncited = [el for el in last.iter("span") if "uncited" in classes(el)]
    assert [_line_text(el) for el in uncited] == [UNCITED]  # marked, and as text
    cited = [a for a in last.iter("a") if "cit-hostile" in (a.get("data-cits") or "").split()]
    assert [text(a) for a in cited] == [CITED]
    assert "1 uncited" in text(seed.find("body/main"))  # type: ignore[arg-type]
    source = parse(out / "records" / "src-kazan-interviews-report.html")
    assert HOSTILE_NOTE in text(source.find("body/main"))  # type: ignore[arg-type]
    datasheet = parse(out / "datasheet.html")  # markdown from data: raw HTML stays text
    assert HOSTILE_NAME in text(datasheet.find("body/main"))  # type: ignore[arg-type]
    js = (out / "assets" / "search-index.js").read_text()
    entries = json.loads(js.split(" = ", 1)[1].removesuffix(";\n"))
    assert "<" not in js and any(HOSTILE_NAME in e[2] for e in entries)  # data kept exactly, no markup character


def test_invalid_package_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    apply_edit(pkg, {"op": "set_cell", "table": "events", "row": 1, "column": "actor_id", "value": "act-nobody"})
    build(pkg, docs=False)
    with pytest.raises(InvalidPackageError):
        write_site(tmp_path / "site", path=pkg)
    cli = runner.invoke(app, ["site", str(tmp_path / "site"), "--package", str(pkg)])
    assert cli.exit_code == 1 and "invalid" in cli.stderr and "bri-data validate" in cli.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def test_force_replaces_only_a_folder_bri_data_wrote(tmp_path: Path) -> None:
    out = tmp_path / "site"
    cli = runner.invoke(app, ["site", str(out), "--package", str(ROOT)])
    assert cli.exit_code == 0 and cli.stdout.startswith(f"wrote {out} (") and "pages" in cli.stdout
    with pytest.raises(OutputExistsError, match="--force"):
        write_site(out, path=ROOT)
    # --force replaces the folder only while it holds what site wrote, unchanged (its
    # marker lists each file with its hash): an edited page or an added file is kept.
    written = (out / "index.html").read_text()
    (out / "index.html").write_text("my edit")
    with pytest.raises(OutputExistsError, match=r"'index\.html' changed since it was written"):
        write_site(out, force=True, path=ROOT)
    assert (out / "index.html").read_text() == "my edit"
    (out / "index.html").unlink()  # a file it wrote, gone: nothing of the user's to keep
    (out / "records").mkdir(exist_ok=True)
    (out / "records" / "notes.txt").write_text("precious")
    cli = runner.invoke(app, ["site", str(out), "--force", "--package", str(ROOT)])
    assert cli.exit_code == 2 and "'records/notes.txt', which it did not write" in cli.stderr, cli.stderr
    assert (out / "records" / "notes.txt").read_text() == "precious"
    (out / "records" / "notes.txt").unlink()
    write_site(out, force=True, path=ROOT)
    assert (out / "index.html").read_text() == written
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious")
    cli = runner.invoke(app, ["site", str(mine), "--force", "--package", str(ROOT)])
    assert cli.exit_code == 2 and MARKER in cli.stderr and "not replacing" in cli.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    afile = tmp_path / "file.html"
    afile.write_text("precious")
    with pytest.raises(OutputExistsError):
        write_site(afile, force=True, path=ROOT)
    assert afile.read_text() == "precious"
    empty = tmp_path / "empty"
    empty.mkdir()
    write_site(empty, force=True, path=ROOT)
    assert (empty / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "file.html", "mine", "site"]  # no temp left


def test_failed_write_leaves_the_old_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bri_data.build.site as site_mod

    out = tmp_path / "site"
    write_site(out, path=ROOT)
    before = site_files(out)

    def unwritable(*_: object) -> dict[str, str]:
        return {"index.html": "new", "index.html/oops.html": "a file cannot hold a file"}

    monkeypatch.setattr(site_mod, "pages", unwritable)  # fails halfway through writing
    with pytest.raises(OutputError, match="cannot write"):
        write_site(out, force=True, path=ROOT)
    assert site_files(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_missing_template_engine_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(MissingExtraError, match=r'pip install "bri-data\[site\]"'):
        write_site(tmp_path / "site", path=ROOT)
    cli = runner.invoke(app, ["site", str(tmp_path / "site"), "--package", str(ROOT)])
    assert cli.exit_code == 2 and "bri-data[site]" in cli.stderr
    assert list(tmp_path.iterdir()) == []


def test_readme_shows_a_screenshot_of_a_seed_page() -> None:
    from PIL import Image

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/site-seed.png)" in readme and "`bri-data site OUT" in readme
    with Image.open(ROOT / "docs" / "site-seed.png") as im:
        assert im.format == "PNG" and im.size[0] >= 1000
        assert len(im.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 50
