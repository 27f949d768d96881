"""`bri-data site`: a static, self-contained reading view of a valid package.

One page per seed (every cited span highlighted, uncited sentences marked), one page per
record (fields, links to and from, each citation in its seed line), an index page per
table, the timeline, the data dictionary and the datasheet, and an offline search. No
server, no network: every link is relative, so the folder works from `file://` and from
any static host.

The pages are Jinja2 templates (`templates/`, autoescaped) filled from plain view
objects computed here; the only HTML not escaped by Jinja2 is the markdown of the data
dictionary and the datasheet, rendered by markdown-it with raw HTML disabled. The same
package gives a byte-identical site (nothing depends on time, order of a set or the
machine). Extra `bri-data[site]`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bri_data.build.docs import datasheet_markdown, tables_markdown
from bri_data.build.timeline import layout, to_svg
from bri_data.contract import model as C
from bri_data.dataset.curation import SeedCoverage, Sentence, coverage
from bri_data.dataset.records import Dataset, load
from bri_data.errors import require
from bri_data.files.atomic import check_target, output_path, replacing_dir
from bri_data.files.seeds import Seed
from bri_data.findings import printable

TEMPLATES = Path(__file__).resolve().parent / "templates"
# `--force` replaces only a folder holding this file: one bri-data wrote, not the user's.
MARKER = ".bri-data-site"

# The columns a table's index page lists after the id, and orders the rows by.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "sources": ("title", "author", "published", "kind", "path"),
    "actors": ("name", "kind", "country", "role"),
    "events": ("date", "type", "summary", "actor_id", "status"),
    "statements": ("date", "speaker_id", "topic", "mode", "text"),
    "memberships": ("member_id", "status", "organization_id", "start", "end", "basis"),
    "relations": ("kind", "subject_id", "object_id", "note"),
    "citations": ("source_id", "line", "char_start", "record_id", "role", "quote"),
}
LABEL_COLUMNS = ("name", "title", "summary", "text", "note")
# What the offline search looks in, besides every quote: a record's words, not its codes.
SEARCH_COLUMNS = ("name", "aliases", "role", "title", "author", "summary", "text", "location")
LABEL_MAX = 90
RECORD_TABLES = tuple(t.name for t in C.TABLES if t is not C.CITATIONS)  # citations live on their record's page


@dataclass(frozen=True)
class SiteResult:
    out: Path
    pages: int
    seeds: int
    records: int
    citations: int


def _short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def singular(table: str) -> str:
    return C.TABLES_BY_NAME[table].title.removesuffix("s")


def label(ds: Dataset, rec: Any) -> str:
    """A record's human name: its name, title, summary or text, else composed from its fields."""
    for col in LABEL_COLUMNS:
        value = getattr(rec, col, None)
        if value:
            return _short(str(value))
    table = ds.table_of(rec.id)
    if table == "memberships":
        return _short(f"{ds[rec.member_id].name}: {rec.status} ({ds[rec.organization_id].name})")
    if table == "sources":
        return f"Untitled {rec.kind} ({rec.id})"
    return str(rec.id)


def record_href(record_id: str) -> str:
    """Site-relative address of a record's page (ids match `[a-z]+-[a-z0-9-]+`: safe file names)."""
    return f"records/{record_id}.html"


def seed_href(source_id: str, citation_id: str | None = None) -> str:
    return f"seeds/{source_id}.html" + (f"#{citation_id}" if citation_id else "")


# --- seed pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cite:
    """One citation as listed under its line and in a piece's tooltip."""

    id: str
    role: str
    start: int
    end: int
    record_id: str
    table: str
    label: str

    @property
    def summary(self) -> str:
        return f"{singular(self.table)}: {self.label} ({self.role}, {self.id})"


@dataclass(frozen=True)
class Piece:
    """A stretch of a line on which the set of covering citations does not change."""

    text: str
    cites: tuple[Cite, ...]  # shortest first: the first is the most specific record
    starts: tuple[str, ...]  # ids of the citations that begin here (anchors)
    uncited: bool  # the whole of a body sentence no valid citation touches

    @property
    def href(self) -> str:
        return record_href(self.cites[0].record_id)

    @property
    def tables(self) -> list[str]:
        return sorted({c.table for c in self.cites})

    @property
    def title(self) -> str:
        return "; ".join(c.summary for c in self.cites)


@dataclass(frozen=True)
class Line:
    number: int
    pieces: tuple[Piece, ...]
    cites: tuple[Cite, ...]  # every citation on the line, by offset


@dataclass(frozen=True)
class SeedPage:
    source: Any  # the SourceRecord
    label: str
    seed: Seed
    lines: tuple[Line, ...]
    citations: int
    coverage: SeedCoverage  # body sentences: total, cited, the uncited ones


def _pieces(text: str, cites: list[Cite], uncited: list[Sentence]) -> tuple[Piece, ...]:
    bounds = {0, len(text)} | {c.start for c in cites} | {c.end for c in cites}
    bounds |= {s.char_start for s in uncited} | {s.char_end for s in uncited}
    cuts = sorted(bounds)
    gaps = {(s.char_start, s.char_end) for s in uncited}
    pieces = []
    for a, b in itertools.pairwise(cuts):
        covering = sorted((c for c in cites if c.start <= a and b <= c.end), key=lambda c: (c.end - c.start, c.id))
        starts = tuple(c.id for c in cites if c.start == a)
        pieces.append(Piece(text[a:b], tuple(covering), starts, (a, b) in gaps))
    return tuple(pieces)


def seed_page(ds: Dataset, source: Any, cov: SeedCoverage) -> SeedPage:
    seed = ds.seeds[source.id]
    by_line: dict[int, list[Cite]] = {}
    for c in ds.tables["citations"]:
        if c.source_id == source.id:
            cite = Cite(c.id, c.role, c.char_start, c.char_end, c.record_id, ds.table_of(c.record_id), label(ds, ds[c.record_id]))
            by_line.setdefault(c.line, []).append(cite)
    gaps: dict[int, list[Sentence]] = {}
    for sent in cov.uncited:
        gaps.setdefault(sent.line, []).append(sent)
    lines = []
    for number, text in enumerate(seed.lines, start=1):
        cites = sorted(by_line.get(number, []), key=lambda c: (c.start, c.end, c.id))
        lines.append(Line(number, _pieces(text, cites, gaps.get(number, [])), tuple(cites)))
    return SeedPage(source, label(ds, source), seed, tuple(lines), sum(len(v) for v in by_line.values()), cov)


# --- record and table pages ------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    href: str | None = None  # a linked record's page, or the seed page of a source's path
    link_text: str | None = None
    note: str | None = None  # the linked record's id, or the vocabulary term's definition


@dataclass(frozen=True)
class Referrer:
    table: str
    column: str
    id: str
    label: str


@dataclass(frozen=True)
class Context:
    id: str
    role: str
    source_id: str
    seed_path: str
    line: int
    start: int
    end: int
    before: str
    quote: str
    after: str


def _field(ds: Dataset, col: C.Column, rec: Any) -> Field:
    value = getattr(rec, col.name)
    if col.references is not None and value in ds:
        return Field(col.name, value, record_href(value), label(ds, ds[value]), value)
    if col.check == "seed_path":
        return Field(col.name, value, seed_href(rec.id), value, "the seed with its cited spans")
    if col.vocabulary:
        return Field(col.name, value, None, None, next(t.definition for t in col.vocabulary if t.value == value))
    return Field(col.name, str(value))


def record_fields(ds: Dataset, rec: Any) -> list[Field]:
    table = C.TABLES_BY_NAME[ds.table_of(rec.id)]
    return [_field(ds, col, rec) for col in table.columns if col.name != "id" and getattr(rec, col.name) is not None]


def record_context(ds: Dataset, rec: Any) -> dict[str, Any]:
    table = ds.table_of(rec.id)
    return {
        "rec": rec,
        "table": table,
        "kind": singular(table),
        "label": label(ds, rec),
        "fields": record_fields(ds, rec),
        "referrers": [Referrer(t, col, r.id, label(ds, r)) for t, col, r in ds.referrers(rec.id)],
        "contexts": [
            Context(s.citation.id, s.citation.role, s.seed.source_id, s.seed.path, s.citation.line, s.citation.char_start,
                    s.citation.char_end, s.before, s.citation.quote, s.after)
            for s in sorted(ds.cited_spans(rec.id), key=lambda s: (s.seed.source_id != rec.id, s.seed.path, s.citation.line, s.citation.char_start, s.citation.id))
        ],
    }


@dataclass(frozen=True)
class Cell:
    value: str
    href: str | None = None
    sort: str = ""  # what the client-side sort compares (zero-padded numbers)


def _cell(ds: Dataset, col: C.Column, rec: Any) -> Cell:
    value = getattr(rec, col.name)
    if value is None:
        return Cell("", None, "")
    if col.type == "integer":
        return Cell(str(value), None, f"{value:012d}")
    if col.references is not None and value in ds:
        name = label(ds, ds[value])
        return Cell(name, record_href(value), name.lower())
    return Cell(_short(str(value), 160), None, str(value).lower())


def table_rows(ds: Dataset, table: C.Table) -> tuple[list[str], list[tuple[Cell, list[Cell]]]]:
    """Column names and rows (id cell, key cells) of a table's index, in key order."""
    cols = [table.column(n) for n in KEY_COLUMNS.get(table.name, tuple(table.column_names[1:]))]
    rows = []
    for rec in ds.tables[table.name]:
        cells = [_cell(ds, col, rec) for col in cols]
        href = seed_href(rec.source_id, rec.id) if table is C.CITATIONS else record_href(rec.id)
        rows.append((Cell(rec.id, href, rec.id), cells))
    rows.sort(key=lambda r: ([(c.sort == "", c.sort) for c in r[1]], r[0].value))  # empty cells last
    return [c.name for c in cols], rows


# --- search index ----------------------------------------------------------------------


def search_entries(ds: Dataset) -> list[list[str]]:
    """[address, kind, label, text] per record and per quote, for the offline search."""
    out = []
    for name in RECORD_TABLES:
        for rec in ds.tables[name]:
            text = " · ".join(str(v) for k, v in rec.model_dump().items() if v is not None and k in SEARCH_COLUMNS)
            out.append([record_href(rec.id), singular(name), label(ds, rec), text])
    for c in ds.tables["citations"]:
        out.append([seed_href(c.source_id, c.id), f"Quote ({c.role}) for {singular(ds.table_of(c.record_id))}", label(ds, ds[c.record_id]), c.quote])
    return out


# --- writing ---------------------------------------------------------------------------


def _visible(value: Any) -> Any:
    """Text a page prints, control characters shown as escapes (a seed may hold any; HTML
    may not). Markup the generator built itself passes through."""
    return printable(value) if type(value) is str else value


def _environment() -> Any:
    jinja2: Any = require("jinja2", "site")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_visible,
    )
    env.globals.update(singular=singular, version=C.VERSION, package=C.PACKAGE_NAME, tables=C.TABLES)
    return env


def _markdown(text: str) -> Any:
    """Markdown as HTML, raw HTML in it escaped (html=False) and unsafe links refused."""
    markdown_it: Any = require("markdown_it", "site")
    markupsafe: Any = require("markupsafe", "site")
    md = markdown_it.MarkdownIt("commonmark", {"html": False}).enable("table")
    return markupsafe.Markup(md.render(text))


def pages(ds: Dataset) -> dict[str, str]:
    """Relative path -> content of every file of the site (pages, picture, assets, marker)."""
    env = _environment()
    cov = {s.source_id: s for s in coverage(ds.root).seeds}
    seeds = [seed_page(ds, source, cov[source.id]) for source in ds.tables["sources"]]
    nav_seeds = [(p.source.id, _short(p.label, 40)) for p in seeds]

    def render(template: str, rel: str, **ctx: Any) -> str:
        depth = rel.count("/")
        return str(env.get_template(template).render(root="../" * depth, here=rel, nav_seeds=nav_seeds, **ctx))

    files: dict[str, str] = {}
    counts = {t.name: len(ds.tables[t.name]) for t in C.TABLES}
    files["index.html"] = render("index.html", "index.html", seeds=seeds, counts=counts)
    for page in seeds:
        rel = seed_href(page.source.id)
        files[rel] = render("seed.html", rel, page=page)
    for name in RECORD_TABLES:
        for rec in ds.tables[name]:
            rel = record_href(rec.id)
            files[rel] = render("record.html", rel, **record_context(ds, rec))
    for table in C.TABLES:
        rel = f"tables/{table.name}.html"
        columns, rows = table_rows(ds, table)
        files[rel] = render("table.html", rel, table=table, columns=columns, rows=rows)
    files["timeline.svg"] = to_svg(layout(ds))
    files["timeline.html"] = render("timeline.html", "timeline.html")
    files["dictionary.html"] = render("markdown.html", "dictionary.html", title="Data dictionary", body=_markdown(tables_markdown()))
    files["datasheet.html"] = render("markdown.html", "datasheet.html", title="Datasheet", body=_markdown(datasheet_markdown(ds.root)))
    files["search.html"] = render("search.html", "search.html")
    index = json.dumps(search_entries(ds), ensure_ascii=True, separators=(",", ":"))
    # No markup characters, so the index stays inert even pasted into a <script> element.
    index = index.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    files["assets/search-index.js"] = f"window.BRI_SEARCH = {index};\n"
    for asset in sorted((TEMPLATES / "assets").iterdir()):
        files[f"assets/{asset.name}"] = asset.read_text(encoding="utf-8")
    return files


def write_site(out: str | Path, force: bool = False, path: str | Path | None = None) -> SiteResult:
    """Write the site of the package at PATH (validated first) to the folder OUT, atomically.

    An existing OUT is replaced only with FORCE, and only when bri-data wrote it (it holds
    the marker file) or it is empty.
    """
    out = output_path(out)
    require("jinja2", "site")
    require("markdown_it", "site")
    check_target(out, force, folder=True, marker=MARKER, owner="bri-data site")  # before the work; checked again before the swap
    ds = load(path)
    files = pages(ds)
    with replacing_dir(out, force, marker=MARKER, owner="bri-data site") as tmp:
        for rel, text in sorted(files.items()):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
    return SiteResult(
        out,
        pages=sum(1 for rel in files if rel.endswith(".html")),
        seeds=len(ds.tables["sources"]),
        records=sum(len(ds.tables[t]) for t in RECORD_TABLES),
        citations=len(ds.tables["citations"]),
    )
