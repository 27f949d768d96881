"""Seed texts as citations see them: lines split on LF only, offsets in code points."""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bri_data.errors import LookupFailedError
from bri_data.files.limits import MAX_SEED_BYTES, MAX_SEEDS_TOTAL_BYTES
from bri_data.files.paths import Refused, open_member


@dataclass(frozen=True)
class Seed:
    source_id: str
    path: str  # relative to the package root
    sha256: str
    lines: tuple[str, ...]  # text.split("\n"), not splitlines(): lines split on LF only (CURATION.md rule 2)

    @property
    def text(self) -> str:
        """The whole text, joined on demand: a seed is held once, as its lines (a Python
        string of non-ASCII text takes two or four bytes a character, so a seed held
        twice would cost that twice)."""
        return "\n".join(self.lines)

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
    seed, size = _read_seed(source_id, root, rel)
    if budget is not None:
        budget.total += size
        if budget.total > MAX_SEEDS_TOTAL_BYTES:
            raise Refused("too_large", f"the seeds together exceed {MAX_SEEDS_TOTAL_BYTES:,} bytes; bri-data reads at most that (README: Limits)")
        budget.read[rel] = seed
    return seed


def _read_seed(source_id: str, root: Path, rel: str) -> tuple[Seed, int]:
    """The seed, and its size in bytes."""
    with open_member(root, rel, "seed") as fh:
        data = fh.read(MAX_SEED_BYTES + 1)
    if len(data) > MAX_SEED_BYTES:  # grew since it was opened
        raise Refused("too_large", f"the file has more than {MAX_SEED_BYTES:,} bytes; bri-data reads at most that (README: Limits)")
    return Seed(source_id, rel, hashlib.sha256(data).hexdigest(), tuple(data.decode("utf-8").split("\n"))), len(data)


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


_WORD = re.compile(r"\w+")
# Per query length, above this many infix queries one pass over the vocabulary's windows
# is cheaper than one C-level scan of the vocabulary per query.
_INFIX_SCANS = 64


class SeedIndex:
    """Answers "does S occur verbatim in any seed?", exactly `any(s in t for t in texts)`
    (and False for ""), for many queries at once in time linear in the texts.

    The unit is the line and the word (a maximal run of word characters). A word of a query that
    does not touch either end of the query is a whole word wherever the query occurs; a
    word at its start is the end of a whole word, one at its end the start of one, and a
    query that is one word lies inside one. So the vocabulary (the words of the texts,
    with the number of lines holding each) rules most absent queries out at once, and
    every other query is keyed by its rarest word (or by every word its edge word could
    be part of): one pass over the lines checks each query, with a C-level `in`, only on
    the lines holding a key word, until it is found. No threshold decides anything, so
    a common leading word ("the Belarusian president") costs what any other word costs:
    the query is keyed by its rarest one. Memory: the vocabulary, never one entry per
    occurrence.
    """

    def __init__(self, texts: list[str] | None = None, lines: list[Sequence[str]] | None = None) -> None:
        """Over TEXTS, or over each text's LINES (split on LF; what a `Seed` holds)."""
        self.lines = lines if lines is not None else [t.split("\n") for t in texts or []]
        self.checks = 0  # line checks made so far (tests bound the work with it)
        self._counts: dict[str, int] | None = None  # word -> lines holding it
        # The vocabulary sorted, and reversed then sorted, with running line counts: the
        # words starting (ending) with an edge word are a range of it, their lines a difference.
        self._by_start: tuple[list[str], list[int]] | None = None
        self._by_end: tuple[list[str], list[int]] | None = None
        self._joined: str | None = None  # the vocabulary, one word a line: words containing an infix

    def _lines(self) -> Iterator[str]:
        for lines in self.lines:
            yield from lines

    def _anywhere(self, q: str) -> bool:
        """A C-level scan of every text, for the rare query that is no word at all or
        holds a line break."""
        return any(q in line for line in self._lines()) if "\n" not in q else any(q in "\n".join(ls) for ls in self.lines)

    @property
    def counts(self) -> dict[str, int]:
        if self._counts is None:
            counts: Counter[str] = Counter()
            for line in self._lines():
                counts.update(set(_WORD.findall(line)))
            self._counts = dict(counts)
        return self._counts

    def _sorted(self, suffix: bool) -> tuple[list[str], list[int]]:
        have = self._by_end if suffix else self._by_start
        if have is None:
            words = sorted(w[::-1] for w in self.counts) if suffix else sorted(self.counts)
            running = [0]
            for w in words:
                running.append(running[-1] + self.counts[w[::-1] if suffix else w])
            have = (words, running)
            if suffix:
                self._by_end = have
            else:
                self._by_start = have
        return have

    def _range(self, edge: str, suffix: bool) -> tuple[int, int, int]:
        """(first, end, lines): where the words starting (SUFFIX: ending) with EDGE lie in
        `_sorted(suffix)`, and how many lines hold them, counted per word."""
        words, running = self._sorted(suffix)
        key = edge[::-1] if suffix else edge
        i = bisect.bisect_left(words, key)
        j = bisect.bisect_left(words, key + "\U0010ffff", i)  # no word character sorts above it
        return i, j, running[j] - running[i]

    def __contains__(self, s: object) -> bool:
        return isinstance(s, str) and s in self.resolve({s})

    def resolve(self, queries: set[str]) -> set[str]:
        """The QUERIES that occur in some text."""
        found: set[str] = set()
        counts = self.counts
        keyed: dict[str, list[str]] = {}  # key word -> queries checked on the lines holding it
        infix: dict[int, set[str]] = {}  # length -> one-word queries that are no whole word
        for q in queries:
            runs = [(m.start(), m.end()) for m in _WORD.finditer(q)] if q and "\n" not in q else []
            if not runs:  # "", no word at all, or a line break: rare enough to scan for
                if q and self._anywhere(q):
                    found.add(q)
                continue
            if runs == [(0, len(q))]:
                if q in counts:
                    found.add(q)
                else:
                    infix.setdefault(len(q), set()).add(q)
                continue
            keys = self._keys(q, runs, counts)
            for word in keys or ():
                keyed.setdefault(word, []).append(q)
        for group in infix.values():
            found |= self._infix(group)
        if keyed:
            self._scan(keyed, found)
        return found

    def _keys(self, q: str, runs: list[tuple[int, int]], counts: dict[str, int]) -> list[str] | None:
        """Words one of which every line holding Q holds: its rarest whole word, or the
        words its edge word can be part of (the end of a word at the start of Q, the start
        of one at its end) when that edge word is rarer as a word. None when a word of Q
        rules it out. Rarity only chooses the cost; any choice gives the same answer."""
        a, b = min(runs, key=lambda r: counts.get(q[r[0] : r[1]], 0))
        word = q[a:b]
        if a > 0 and b < len(q):  # a whole word wherever Q occurs
            return [word] if word in counts else None
        suffix = a == 0
        i, j, n = self._range(word, suffix)
        if n == 0:
            return None
        words = self._sorted(suffix)[0][i:j]
        return [w[::-1] for w in words] if suffix else words

    def _infix(self, group: set[str]) -> set[str]:
        """Which one-word queries (all of one length) lie inside a vocabulary word."""
        if self._joined is None:
            self._joined = "\n".join(self.counts)
        if len(group) <= _INFIX_SCANS:
            return {q for q in group if q in self._joined}
        n = len(next(iter(group)))
        hits: set[str] = set()
        for w in self.counts:
            if len(w) > n:
                hits.update(w[i : i + n] for i in range(len(w) - n + 1))
                hits &= group
        return hits

    def _scan(self, keyed: dict[str, list[str]], found: set[str]) -> None:
        """One pass over the lines: each query is tried on the lines holding a key word
        of it, and no more once found."""
        keys = set(keyed)
        for line in self._lines():
            for word in keys.intersection(_WORD.findall(line)):
                left = []
                for q in keyed[word]:
                    if q in found:
                        continue
                    self.checks += 1
                    if q in line:
                        found.add(q)
                    else:
                        left.append(q)
                if left:
                    keyed[word] = left
                else:
                    del keyed[word]
                    keys.discard(word)
            if not keys:
                return
