"""Layer 4: every record is anchored in the exact words of a seed.

Seeds are read when their `sources` row is checked (sources come first), so citations,
aliases and statement texts can be checked as their rows stream past.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bri_data.contract import model as C
from bri_data.contract.cells import ALIAS_SEPARATOR
from bri_data.files.paths import Refused
from bri_data.files.seeds import MAX_PLACES, Seed, SeedBudget, SeedIndex, find_spans, read_seed
from bri_data.findings import Report, short
from bri_data.validation.keys import KeyIndex


@dataclass
class Provenance:
    root: Path
    report: Report
    seeds: dict[str, Seed] = field(default_factory=dict)
    cited: set[str] = field(default_factory=set)
    statement_text: dict[str, str] = field(default_factory=dict)
    verbatim: set[str] = field(default_factory=set)  # statements whose text equals a quote
    unjudged: set[str] = field(default_factory=set)  # records with a citation that could not be checked
    seeds_complete: bool = True
    budget: SeedBudget = field(default_factory=SeedBudget, repr=False)  # all seeds together stay within the limit
    _index: SeedIndex | None = field(default=None, repr=False)  # False once a seed could not be read: aliases are not judged
    _where: dict[str, tuple[str, int]] = field(default_factory=dict)  # statement id -> (file, line)
    # Actor rows whose aliases wait for one pass over the seeds: (file, line, id, aliases).
    _alias_rows: list[tuple[str, int, str | None, str]] = field(default_factory=list, repr=False)

    def check(self, table: C.Table, rel: str, line: int, rid: str | None, values: dict[str, Any]) -> None:
        check = self.checker(table)
        if check is not None:
            check(rel, line, rid, values)

    def checker(self, table: C.Table) -> Callable[[str, int, str | None, dict[str, Any]], None] | None:
        """What `check` does with a row of TABLE (None: nothing), chosen once per table."""
        if table is C.SOURCES:
            return self._source
        if table is C.ACTORS:
            return self._actor
        if table is C.STATEMENTS:
            return self._statement
        if table is C.CITATIONS:
            return self._citation
        return None

    def _actor(self, rel: str, line: int, rid: str | None, v: dict[str, Any]) -> None:
        self._aliases(rel, line, rid, v.get("aliases"))

    def _statement(self, rel: str, line: int, rid: str | None, v: dict[str, Any]) -> None:
        text = v.get("text")
        if rid and isinstance(text, str):
            self.statement_text[rid] = text
            self._where[rid] = (rel, line)

    def _source(self, rel: str, line: int, rid: str | None, v: dict[str, Any]) -> None:
        path = v.get("path")
        if not rid or not isinstance(path, str):
            return
        where = {"file": rel, "line": line, "field": "path", "record_id": rid}
        try:
            seed = read_seed(rid, self.root, path, self.budget)
        except Refused as exc:
            self.seeds_complete = False
            code, message = {
                "unsafe": ("resource.path_unsafe", f"seed path {short(path)} refused: {exc.reason}"),
                "missing": ("provenance.seed_missing", f"seed file {path} does not exist"),
                "unreadable": ("file.unreadable", f"seed file {path}: {exc.reason}"),
                "too_large": ("file.too_large", f"seed file {path}: {exc.reason}"),
            }[exc.kind]
            self.report.emit(code, message, **where)
            return
        except (OSError, UnicodeDecodeError) as exc:
            self.seeds_complete = False
            self.report.emit("provenance.seed_missing", f"seed file {path} cannot be read as UTF-8 text: {exc}", **where)
            return
        self.seeds[rid] = seed
        self._index = None
        if isinstance(v.get("sha256"), str) and v["sha256"] != seed.sha256:
            self.report.emit(
                "provenance.seed_hash",
                f"seed {path} has sha256 {seed.sha256}, not the recorded {v['sha256']}: seeds are never edited; "
                "restore the original, or re-anchor every citation before updating sha256",
                file=rel,
                line=line,
                field="sha256",
                record_id=rid,
            )

    @property
    def index(self) -> SeedIndex:
        if self._index is None:  # built once, after the sources table added every seed
            self._index = SeedIndex(lines=[s.lines for s in self.seeds.values()])
        return self._index

    def _aliases(self, rel: str, line: int, rid: str | None, aliases: object) -> None:
        if isinstance(aliases, str) and self.seeds and self.seeds_complete:
            self._alias_rows.append((rel, line, rid, aliases))  # judged together: finish_aliases

    def finish_aliases(self) -> None:
        """Judge the aliases of the actor rows seen so far, with one pass over the seeds."""
        rows, self._alias_rows = self._alias_rows, []
        if rows:
            wanted = {a for *_, cell in rows for a in cell.split(ALIAS_SEPARATOR) if a and a == a.strip()}
            self.judge_aliases(rows, self.index.resolve(wanted))

    def judge_aliases(self, rows: list[tuple[str, int, str | None, str]], found: set[str]) -> None:
        """Findings for the aliases of ROWS ((file, line, id, aliases) each); FOUND: the
        aliases that occur in a seed (both engines compute it exactly, each its own way)."""
        for rel, line, rid, cell in rows:
            for alias in cell.split(ALIAS_SEPARATOR):
                if not alias or alias != alias.strip():
                    msg = f"alias {alias!r} is empty or has spaces around it; separate aliases with ';' and no spaces"
                elif alias not in found:
                    msg = f"alias {short(alias)} occurs in no seed; aliases are surface forms exactly as the seeds spell them"
                else:
                    continue
                self.report.emit("provenance.alias", msg, file=rel, line=line, field="aliases", record_id=rid)

    def _citation(self, rel: str, line: int, rid: str | None, v: dict[str, Any]) -> None:
        record, src = v.get("record_id"), v.get("source_id")
        if isinstance(record, str):
            self.cited.add(record)
        seed = self.seeds.get(src) if isinstance(src, str) else None
        n, start, end, quote = v.get("line"), v.get("char_start"), v.get("char_end"), v.get("quote")
        if seed is None or not isinstance(n, int) or not isinstance(start, int) or not isinstance(end, int):
            # Unknown source, unreadable seed or untyped numbers: reported elsewhere; the
            # record's verbatim check cannot be judged from this citation.
            if isinstance(record, str):
                self.unjudged.add(record)
            return
        text = seed.line(n)
        if text is not None and 0 <= start < end <= len(text) and quote and quote == text[start:end]:
            if isinstance(record, str) and self.statement_text.get(record) == quote:
                self.verbatim.add(record)
            return  # the common case, without the findings' dictionary
        where = {"file": rel, "line": line, "record_id": rid}
        if text is None:
            self.report.emit("provenance.line_range", f"line {n} is outside {seed.path}, which has {len(seed.lines)} lines", field="line", **where)
            return
        if not 0 <= start < end <= len(text):
            self.report.emit(
                "provenance.offset_range",
                f"span [{start}:{end}) does not fit line {n} of {seed.path} (0 <= char_start < char_end <= {len(text)})",
                field="char_end" if end > len(text) else "char_start",
                **where,
            )
            return
        if not quote:
            self.report.emit("provenance.quote_empty", "quote is empty; copy the cited span into it", field="quote", **where)
            return
        actual = text[start:end]
        if quote != actual:
            if not self.report.wants("provenance.quote_mismatch", rel, line):
                self.report.tally("provenance.quote_mismatch")  # past the cap: counted, not explained
                return
            hint = ""
            spans = find_spans(quote, [seed], limit=MAX_PLACES)  # a scan of the seed: only for findings that can be kept
            if spans:
                s = spans[0]
                hint = f"; the quote occurs at line {s.line} [{s.char_start}:{s.char_end})"
            elif unicodedata.normalize("NFC", quote) == unicodedata.normalize("NFC", actual):
                hint = f"; they differ only in Unicode normalization (NFC/NFD): {_first_difference(quote, actual)}"
            self.report.emit(
                "provenance.quote_mismatch",
                f"quote {short(quote)} is not the text at line {n} [{start}:{end}) of {seed.path}, which reads {short(actual)}{hint}",
                field="quote",
                **where,
            )

    def finish(self, keys: KeyIndex) -> None:
        self.finish_aliases()
        if "citations" in keys.partial:
            return  # citations unreadable: "uncited" would only repeat that
        for table in C.TABLES:
            if not table.must_be_cited:
                continue
            for rid, line in keys.ids[table.name].items():
                if rid not in self.cited:
                    uncited(self.report, table, rid, line)
        self.finish_statements()

    def finish_statements(self) -> None:
        for rid, text in self.statement_text.items():
            if rid in self.cited and rid not in self.verbatim and rid not in self.unjudged:
                rel, line = self._where[rid]
                not_verbatim(self.report, rel, line, rid, text)


def _first_difference(quote: str, actual: str) -> str:
    """Where two look-alike strings first differ, as code points (they print identically)."""
    i = next((i for i, (a, b) in enumerate(zip(quote, actual, strict=False)) if a != b), min(len(quote), len(actual)))
    def points(s: str) -> str:
        return " ".join(f"U+{ord(c):04X}" for c in s[i : i + 2]) or "(end)"
    return f"at character {i} the quote has {points(quote)}, the seed {points(actual)}"


def uncited(report: Report, table: C.Table, rid: str, line: int) -> None:
    report.emit(
        "provenance.uncited",
        f"{table.name} record {rid!r} has no citation; add a citations row with record_id {rid}",
        file=table.path,
        line=line,
        field="id",
        record_id=rid,
    )


def not_verbatim(report: Report, rel: str, line: int, rid: str, text: str) -> None:
    report.emit(
        "provenance.statement_text",
        f"text {short(text)} equals none of the statement's citation quotes; the text must be verbatim "
        "(cite it with a span whose quote is exactly this text)",
        file=rel,
        line=line,
        field="text",
        record_id=rid,
    )
