"""Curator tools: find a span to cite (`locate`), measure sentence coverage and the
quality figures of the tables (dated events, used actors, relations, conflicts)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bri_data.contract import model as C
from bri_data.errors import LookupFailedError
from bri_data.files.package import package_root, read_rows, read_seeds
from bri_data.files.seeds import Span, locate


@dataclass(frozen=True)
class Located:
    span: Span

    def citation_row(self, record_id: str, role: str = "evidence", cit_id: str = "cit-NEW") -> str:
        s = self.span
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([cit_id, record_id, s.source_id, s.line, s.char_start, s.char_end, s.quote, role])
        return buf.getvalue().rstrip("\n")

    def to_dict(self, record_id: str) -> dict[str, Any]:
        return {**asdict(self.span), "citation_row": self.citation_row(record_id)}


def locate_in_package(text: str, source: str | None = None, path: str | Path | None = None) -> Located:
    seeds = read_seeds(package_root(path))
    if source is not None:
        seeds = [s for s in seeds if s.source_id == source]
        if not seeds:
            raise LookupFailedError(f"no source with id {source!r}")
    return Located(locate(text, seeds))


# A sentence ends at . ! or ? (optionally followed by closing quotes/brackets) before
# whitespace and a capital letter or opening quote. "U.S. and" does not end one.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z“\"‘(])")


@dataclass(frozen=True)
class Sentence:
    line: int
    char_start: int
    char_end: int
    text: str


def sentences(line_no: int, text: str) -> list[Sentence]:
    """Split one seed line into sentences, with code-point offsets."""
    bounds, start = [], 0
    for m in _BOUNDARY.finditer(text):
        closing = len(m.group(0)) - len(m.group(0).lstrip("\"”’)"))
        bounds.append((start, m.start() + closing))
        start = m.end()
    bounds.append((start, len(text.rstrip())))
    return [Sentence(line_no, a, b, text[a:b]) for a, b in bounds if text[a:b].strip()]


@dataclass
class SeedCoverage:
    source_id: str
    path: str
    total: int = 0
    cited: int = 0
    uncited: list[Sentence] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.cited / self.total if self.total else 100.0


@dataclass(frozen=True)
class Quality:
    """Figures of how usable and connected the records are (`coverage`, DATASHEET.md)."""

    events: int
    events_dated: int  # with a date or an EDTF bound (`../2024-10-31`)
    actors: int
    actors_used: int  # referenced by an event, statement, membership or relation
    relations: dict[str, int]  # by kind
    cross_source: dict[str, int]  # by kind: relations whose citations come from more than one seed
    conflicts: int  # relations of kind `contradicts`: where the sources disagree

    def to_dict(self) -> dict[str, Any]:
        return {
            "events": {"total": self.events, "dated_or_bounded": self.events_dated},
            "actors": {"total": self.actors, "used": self.actors_used},
            "relations": {"by_kind": self.relations, "cross_source": self.cross_source},
            "conflicts": self.conflicts,
        }


def quality(root: Path) -> Quality:
    rows = {t.name: read_rows(root, t) for t in C.TABLES if t is not C.SOURCES}
    events, actors, relations = rows["events"], rows["actors"], rows["relations"]
    used = {r[c.name] for t, c in C.users_of(C.ACTORS) for r in rows[t.name] if r[c.name] is not None}
    seeds: dict[str, set[str]] = {}
    for c in rows["citations"]:
        seeds.setdefault(c["record_id"], set()).add(c["source_id"])
    kinds = [t.value for t in C.RELATION_KINDS]
    by_kind = {k: n for k in kinds if (n := sum(r["kind"] == k for r in relations))}
    cross = {k: n for k in kinds if (n := sum(r["kind"] == k and len(seeds.get(r["id"], ())) > 1 for r in relations))}
    return Quality(
        len(events),
        sum(r["date"] is not None for r in events),
        len(actors),
        sum(a["id"] in used for a in actors),
        by_kind,
        cross,
        by_kind.get(C.CONFLICT, 0),
    )


@dataclass
class Coverage:
    seeds: list[SeedCoverage]
    quality: Quality

    def to_dict(self) -> dict[str, Any]:
        return {
            "seeds": [
                {
                    "source_id": s.source_id,
                    "path": s.path,
                    "sentences": s.total,
                    "cited": s.cited,
                    "percent": round(s.percent, 1),
                    "uncited": [asdict(x) for x in s.uncited],
                }
                for s in self.seeds
            ],
            "quality": self.quality.to_dict(),
        }


def coverage(path: str | Path | None = None) -> Coverage:
    """Body sentences per seed touched by at least one valid citation, and the quality
    figures of the tables (`Quality`).

    Body = non-blank lines not cited with role `metadata` (title, byline, dateline).
    A citation counts only if its quote is really at its span.
    """
    root = package_root(path)
    seeds = read_seeds(root)
    spans: dict[tuple[str, int], list[tuple[int, int]]] = {}
    meta: set[tuple[str, int]] = set()
    by_id = {s.source_id: s for s in seeds}
    for c in read_rows(root, C.CITATIONS):
        seed = by_id.get(c["source_id"])
        if seed is None or not all(isinstance(c[k], int) for k in ("line", "char_start", "char_end")):
            continue
        text = seed.line(c["line"])
        if text is None or text[c["char_start"] : c["char_end"]] != c["quote"] or not c["quote"]:
            continue
        key = (seed.source_id, c["line"])
        if c["role"] == "metadata":
            meta.add(key)
        spans.setdefault(key, []).append((c["char_start"], c["char_end"]))
    result = []
    for seed in seeds:
        cov = SeedCoverage(seed.source_id, seed.path)
        for n, text in enumerate(seed.lines, start=1):
            if not text.strip() or (seed.source_id, n) in meta:
                continue
            for sent in sentences(n, text):
                cov.total += 1
                if any(a < sent.char_end and sent.char_start < b for a, b in spans.get((seed.source_id, n), [])):
                    cov.cited += 1
                else:
                    cov.uncited.append(sent)
        result.append(cov)
    return Coverage(result, quality(root))

