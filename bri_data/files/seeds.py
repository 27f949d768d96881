"""Seed texts as citations see them: lines split on LF only, offsets in code points."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bri_data.errors import LookupFailedError
from bri_data.files.limits import MAX_SEED_BYTES, MAX_SEEDS_TOTAL_BYTES
from bri_data.files.paths import Refused, open_member


@dataclass(frozen=True)
class Seed:
    source_id: str
    path: str  # relative to the package root
    text: str
    sha256: str
    lines: tuple[str, ...]  # text.split("\n"), not splitlines(): DESIGN §3

    def line(self, number: int) -> str | None:
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else None


class SeedBudget:
    """The seed bytes one run has read: a file named by several sources rows is read
    once, and all of them together stay within MAX_SEEDS_TOTAL_BYTES."""

    def __init__(self) -> None:
        self.total = 0
        self.read: dict[str, Seed] = {}


def read_seed(source_id: str, root: Path, rel: str, budget: SeedBudget | None = None) -> Seed:
    """Read a seed through the path policy (within BUDGET, when given); raises Refused,
    OSError or UnicodeDecodeError."""
    if budget is not None and rel in budget.read:
        return dataclasses.replace(budget.read[rel], source_id=source_id)
    seed = _read_seed(source_id, root, rel)
    if budget is not None:
        budget.total += len(seed.text.encode("utf-8"))
        if budget.total > MAX_SEEDS_TOTAL_BYTES:
            raise Refused("too_large", f"the seeds together exceed {MAX_SEEDS_TOTAL_BYTES:,} bytes; bri-data reads at most that (README: Limits)")
        budget.read[rel] = seed
    return seed


def _read_seed(source_id: str, root: Path, rel: str) -> Seed:
    with open_member(root, rel, "seed") as fh:
        data = fh.read(MAX_SEED_BYTES + 1)
    if len(data) > MAX_SEED_BYTES:  # grew since it was opened
        raise Refused("too_large", f"the file has more than {MAX_SEED_BYTES:,} bytes; bri-data reads at most that (README: Limits)")
    text = data.decode("utf-8")
    return Seed(source_id, rel, text, hashlib.sha256(data).hexdigest(), tuple(text.split("\n")))


@dataclass(frozen=True)
class Span:
    source_id: str
    line: int
    char_start: int
    char_end: int
    quote: str


# How many places `locate` lists, and hints name, when a text occurs more often.
MAX_PLACES = 20


def find_spans(text: str, seeds: list[Seed], limit: int | None = None) -> list[Span]:
    """The places TEXT occurs within a single line of the given seeds (at most LIMIT)."""
    spans: list[Span] = []
    for seed in seeds:
        for number, line in enumerate(seed.lines, start=1):
            start = line.find(text)
            while start != -1:
                if limit is not None and len(spans) >= limit:
                    return spans
                spans.append(Span(seed.source_id, number, start, start + len(text), text))
                start = line.find(text, start + 1)
    return spans


def count_spans(text: str, seeds: list[Seed]) -> int:
    """How many places TEXT occurs (overlapping ones too), without keeping them."""
    n = 0
    for seed in seeds:
        for line in seed.lines:
            start = line.find(text)
            while start != -1:
                n += 1
                start = line.find(text, start + 1)
    return n


def locate(text: str, seeds: list[Seed]) -> Span:
    """The one place TEXT occurs; LookupFailedError when it occurs nowhere or more than once."""
    if not text:
        raise LookupFailedError("nothing to locate: the text is empty")
    if "\n" in text:
        raise LookupFailedError("the text crosses a line break; cite each line's part separately")
    spans = find_spans(text, seeds, limit=MAX_PLACES + 1)
    if len(spans) == 1:
        return spans[0]
    if not spans:
        raise LookupFailedError(f"{text!r} occurs in no seed (check quotes, dashes and spacing)")
    total = len(spans) if len(spans) <= MAX_PLACES else count_spans(text, seeds)
    places = "; ".join(f"{s.source_id} line {s.line} [{s.char_start}:{s.char_end})" for s in spans[:MAX_PLACES])
    more = f"; and {total - MAX_PLACES:,} more" if total > MAX_PLACES else ""
    raise LookupFailedError(f"{text!r} occurs {total:,} times: {places}{more}; quote a longer span")


_TOKEN = re.compile(r"\w+|[^\w\s]")


class SeedIndex:
    """Answers "does S occur verbatim in any seed?" without scanning every seed per query.

    Rare tokens (names, mostly) are indexed by where they start; a query whose first
    token is rare is tried only there. A common first token ("the"), a rare one that
    finds nothing (an invalid alias, or one starting inside a longer word) or a query
    not starting with a token falls back to one C-level scan per seed, so the answer
    always equals `any(s in text for text in texts)`.
    """

    RARE = 32  # at most this many places: cheaper to try them than to scan

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        counts = Counter(m.group() for text in texts for m in _TOKEN.finditer(text))
        self.at: dict[str, list[int]] = {}  # token -> [seed index << 40 | offset]
        for i, text in enumerate(texts):
            for m in _TOKEN.finditer(text):
                if counts[m.group()] <= self.RARE:
                    self.at.setdefault(m.group(), []).append(i << 40 | m.start())

    def __contains__(self, s: object) -> bool:
        if not isinstance(s, str) or not s:
            return False
        m = _TOKEN.match(s)
        hits = self.at.get(m.group(), ()) if m is not None else ()
        if any(self.texts[h >> 40].startswith(s, h & ((1 << 40) - 1)) for h in hits):
            return True
        return any(s in t for t in self.texts)
