"""Findings and the report that accumulates them.

Codes are a committed interface: CI jobs and curators grep for them. Add codes, never
rename them. `CODES` documents each one; a test checks every emitted code is listed.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

# code -> (layer, what it means). Layers as README "What `validate` checks" lists them.
CODES: dict[str, tuple[str, str]] = {
    # 1. descriptor and files
    "descriptor.not_found": ("descriptor", "No datapackage.json at the given path (exit 2)."),
    "run.usage": ("descriptor", "The check could not run as asked, e.g. `--engine columnar` where polars is missing or too old; nothing was checked (exit 2)."),
    "descriptor.not_json": ("descriptor", "datapackage.json cannot be read as JSON: not UTF-8, not valid JSON, beyond the limits (size, nesting, numbers), or not a regular file inside the package (exit 2)."),
    "descriptor.invalid": ("descriptor", "datapackage.json violates the Data Package v2 profile."),
    "descriptor.contract": ("descriptor", "datapackage.json disagrees with the bri-data contract (rerun `bri-data build`)."),
    "resource.missing": ("descriptor", "A table's resource is not declared, or its file does not exist."),
    "resource.path_unsafe": ("descriptor", "A resource or seed path is absolute, a URL, contains '..' or a control character, leaves the package, loops, or is not a regular file (a FIFO, a device); refused."),
    "resource.bytes": ("descriptor", "The file's size differs from the resource's `bytes`."),
    "resource.hash": ("descriptor", "The file's SHA-256 differs from the resource's `hash`."),
    "file.unreadable": ("rows", "The file cannot be opened or read."),
    "file.too_large": ("rows", "A table, seed or CSV record exceeds bri-data's size limits (README: Limits); not read further."),
    "file.empty": ("rows", "The file has no bytes at all (not even a header)."),
    "file.encoding": ("rows", "Bytes that are not valid UTF-8."),
    "file.nul": ("rows", "NUL bytes in the file."),
    "file.bom": ("rows", "The file starts with a byte-order mark; write UTF-8 without BOM."),
    "file.line_ending": ("rows", "CR or CRLF line endings; write LF only."),
    "table.no_rows": ("rows", "The table has a header but no rows; rows are required."),
    "csv.malformed": ("rows", "The CSV cannot be parsed from here on (e.g. an unterminated quote)."),
    "csv.blank_row": ("rows", "An empty line inside the table."),
    "csv.ragged_row": ("rows", "A row with more or fewer cells than the header."),
    "header.missing_column": ("rows", "A column of the table is absent from the header."),
    "header.unknown_column": ("rows", "A header column that the table does not define."),
    "header.duplicate_column": ("rows", "The same column appears twice in the header."),
    "row.required": ("rows", "A required cell is empty."),
    "row.type": ("rows", "A cell has the wrong type (e.g. text where an integer belongs)."),
    "row.pattern": ("rows", "A cell does not match the column's pattern (ids, codes, hashes)."),
    "row.enum": ("rows", "A value outside the column's closed vocabulary."),
    "row.minimum": ("rows", "A number below the column's minimum."),
    "row.min_length": ("rows", "A cell shorter than allowed (e.g. an empty quote)."),
    "row.max_length": ("rows", "A cell longer than allowed."),
    "row.schema": ("rows", "Another JSON Schema violation."),
    "row.control_character": ("rows", "A text cell holds a control character (other than TAB): a cell is one line of printable text."),
    # 3. keys
    "key.duplicate": ("keys", "The same id twice in one table."),
    "key.duplicate_global": ("keys", "The same id in two tables; ids are unique across the package."),
    "key.foreign": ("keys", "A reference to an id that does not exist in the referenced table."),
    "key.cycle": ("keys", "Self-references that form a cycle (e.g. events that are each other's parent_event_id)."),
    # 4. provenance
    "provenance.seed_missing": ("provenance", "A source's seed file does not exist."),
    "provenance.seed_hash": ("provenance", "A seed's bytes differ from `sources.sha256` (edited seed)."),
    "provenance.line_range": ("provenance", "A citation's line is outside the seed."),
    "provenance.offset_range": ("provenance", "A citation's offsets are outside its line, or end <= start."),
    "provenance.quote_empty": ("provenance", "A citation's quote is empty."),
    "provenance.quote_mismatch": ("provenance", "A citation's quote is not the text at its span."),
    "provenance.uncited": ("provenance", "A record that no citation supports."),
    "provenance.alias": ("provenance", "An actor alias that occurs in no seed."),
    "provenance.statement_text": ("provenance", "A statement's text equals none of its citations' quotes."),
    # 5. semantics
    "semantic.edtf": ("semantics", "Not a valid EDTF (level 0-1) date."),
    "semantic.date_basis": ("semantics", "A date with date_basis `not_given`, or no date with another date_basis."),
    "semantic.date_order": ("semantics", "An end that lies before its start."),
    "semantic.country": ("semantics", "Not an ISO 3166-1 alpha-3 country code."),
    "semantic.self_reference": ("semantics", "A record that references itself."),
    # 6. consistency: records agree with each other
    "consistency.parent_date": ("consistency", "A child event's date range is not inside its parent event's (`parent_event_id`); an open bound is unbounded."),
    "consistency.statement_event_date": ("consistency", "A statement's date range is not inside the date range of its event (`event_id`)."),
    "consistency.spell_event_date": ("consistency", "A spell's `start` (`end`) and the date of its `start_event_id` (`end_event_id`): neither lies inside the other."),
    "consistency.spell_overlap": ("consistency", "Two spells of one member and one organization overlap, and no `qualifies` relation links them."),
    "consistency.spell_open": ("consistency", "A spell with an `end_event_id` has no `end`."),
    "consistency.actor_unused": ("consistency", "An actor that no event, statement, membership or relation references."),
    "consistency.date_citation": ("consistency", "A citation with role `date` quotes no date: no digit, month name or temporal word."),
}

# Codes that mean "could not read the input at all" or "could not run": exit 2 instead of 1.
UNREADABLE = frozenset({"descriptor.not_found", "descriptor.not_json", "run.usage"})

DEFAULT_MAX_PER_CODE = 100


@dataclass(frozen=True)
class Finding:
    """One problem, located precisely enough for a curator to fix it."""

    code: str
    message: str
    file: str | None = None  # path relative to the package root
    line: int | None = None  # physical, 1-based line in `file`
    field: str | None = None
    record_id: str | None = None

    @property
    def layer(self) -> str:
        return CODES[self.code][0]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["layer"] = self.layer
        return d


_ORDER = {name: i for i, name in enumerate(CODES)}


def _sort_key(f: Finding) -> tuple[str, int, int, str, str, str]:
    return (f.file or "", f.line or 0, _ORDER[f.code], f.field or "", f.record_id or "", f.message)


class _Kept:
    """Heap entry ordered so that the heap's top is the *last* finding in sort order."""

    __slots__ = ("finding", "key")

    def __init__(self, finding: Finding) -> None:
        self.finding, self.key = finding, _sort_key(finding)

    def __lt__(self, other: _Kept) -> bool:
        return self.key > other.key


@dataclass
class Report:
    """Accumulates findings; keeps the first `max_per_code` of each code and counts the rest.

    "First" is by position (file, line, ...), not by discovery, so every engine and any
    order of checking keeps the same findings. Memory is bounded by codes x the cap.
    """

    package: str
    max_per_code: int = DEFAULT_MAX_PER_CODE
    counts: Counter[str] = field(default_factory=Counter)
    rows_checked: dict[str, int] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)  # table -> SHA-256 of the bytes validated
    engine_requested: str = "rows"  # what the caller asked for: auto, rows or columnar
    engine: str | None = None  # the engine that checked the tables; None: none reached them
    engine_note: str | None = None  # why ENGINE differs from what was asked, if it does
    _kept: dict[str, list[_Kept]] = field(default_factory=dict, repr=False)

    def add(self, finding: Finding) -> None:
        if finding.code not in CODES:  # a programming error, not a data error
            raise ValueError(f"unknown finding code {finding.code!r}")
        self.counts[finding.code] += 1
        heap = self._kept.setdefault(finding.code, [])
        entry = _Kept(finding)
        if len(heap) < self.max_per_code:
            heapq.heappush(heap, entry)
        elif entry.key < heap[0].key:
            heapq.heapreplace(heap, entry)

    def wants(self, code: str, file: str | None = None, line: int | None = None) -> bool:
        """Whether another CODE finding (at FILE:LINE, when given) could still be kept: lets
        callers skip costly hints, and `tally` one they would not keep. Without a place,
        findings are assumed to arrive in position order (one file, read in order)."""
        if self.counts[code] < self.max_per_code:
            return True
        heap = self._kept.get(code)
        if file is None or not heap:
            return False
        # The last kept finding only moves forward (earlier ones replace it), so a finding
        # placed after it is never kept; ties are kept or not by the rest of the key.
        return (file, line or 0) <= heap[0].key[:2]

    def tally(self, code: str, n: int = 1) -> None:
        """Count N CODE findings that `wants` said would not be kept (their messages unwritten)."""
        if code not in CODES:
            raise ValueError(f"unknown finding code {code!r}")
        self.counts[code] += n

    @property
    def findings(self) -> list[Finding]:
        return [e.finding for heap in self._kept.values() for e in heap]

    def emit(self, code: str, message: str, **where: Any) -> None:
        self.add(Finding(code, message, **where))

    @property
    def valid(self) -> bool:
        return not self.counts

    @property
    def omitted(self) -> dict[str, int]:
        """Per code, how many findings were counted but not kept."""
        return {c: n - self.max_per_code for c, n in sorted(self.counts.items()) if n > self.max_per_code}

    @property
    def exit_code(self) -> int:
        if any(code in UNREADABLE for code in self.counts):
            return 2
        return 0 if self.valid else 1

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=_sort_key)

    def merge(self, other: Report) -> None:
        for f in other.findings:
            self.add(f)
        for code, n in other.counts.items():  # findings beyond other's cap still count
            self.counts[code] += n - len(other._kept.get(code, []))
        self.rows_checked.update(other.rows_checked)
        self.sha256.update(other.sha256)


def short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…' ({len(str(value)):,} characters)"


# C0 and C1 controls, DEL, and the Unicode format characters that reorder or hide text
# (bidi overrides and isolates, line/paragraph separators, zero-width joiners excluded);
# lone surrogates too: a path's bytes that are not UTF-8 (surrogateescape) would reach the
# output as those bytes, and a consumer reading UTF-8 fails on them.
_SURROGATES = "\ud800-\udfff"
_UNPRINTABLE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069{_SURROGATES}]")
_SURROGATE = re.compile(f"[{_SURROGATES}]")


def printable(text: str) -> str:
    """TEXT safe for a terminal or a CI log: control and bidi characters shown as escapes
    (`\\x1b`, `\\n`, `\\u202e`), so data can neither move the cursor, recolour the screen nor
    start a line of its own (a forged `::error`)."""
    return _UNPRINTABLE.sub(_escaped, text)


def utf8_safe(text: str) -> str:
    """TEXT with each lone surrogate written as its escape (`\\udcff`), which is also its
    JSON escape: the output is valid UTF-8 and a JSON reader gets the same string back."""
    return _SURROGATE.sub(_escaped, text)


def _escaped(m: re.Match[str]) -> str:
    return m.group().encode("unicode_escape").decode("ascii")
