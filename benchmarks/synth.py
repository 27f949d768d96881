"""Write a synthetic, valid bri-data package of about N rows in total.

Split: actors 15%, events 15%, statements 15%, memberships 4%, relations 1%, citations
50% (one citation per record, so every record is cited). Seeds are synthetic texts; every
quote, alias and statement text is a real span of them, so all validation layers do real
work. Values come from the contract's vocabularies and patterns; dates are EDTF, and the
records agree with each other (children inside their parents' dates, every actor used,
spells without overlaps), so that the cross-record checks pass too.

    python benchmarks/synth.py 100000 /tmp/bri-100k
"""

from __future__ import annotations

import csv
import hashlib
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bri_data.build.generate import build  # noqa: E402
from bri_data.contract import model as C  # noqa: E402

WORDS = ["belarus", "minsk", "brics", "summit", "kazan", "partner", "member", "status", "application", "declaration", "west", "sanctions", "policy", "council", "minister", "president", "press", "secretary", "interview", "address", "talks", "exchange", "amnesty", "election", "initiative", "peace", "conflict", "border", "trade", "payment", "currency"]
SEEDS = 8
LINES_PER_SEED = 400
NAMES_PER_LINE = 5
_SYL = ("ka", "lo", "mi", "ve", "ro", "sa", "tu", "ne", "zi", "po", "da", "fe", "gu", "hi", "ja", "ku", "le", "mo", "ni", "ra")


def actor_name(k: int) -> str:
    """A unique, name-like surface form for actor K (as aliases are names in real data)."""
    a, b, c, d = k % 20, (k // 20) % 20, (k // 400) % 20, k // 8000
    return f"{_SYL[a].title()}{_SYL[b]}{_SYL[c]} {_SYL[d % 20].title()}{_SYL[(d // 20) % 20]}vich"


def _seed_texts(rng: random.Random, actors: int) -> list[list[str]]:
    """Seed lines: random words with every actor's name placed once somewhere."""
    per_seed = max(LINES_PER_SEED, -(-actors // (NAMES_PER_LINE * SEEDS)))
    names = iter(range(actors))
    seeds = []
    for _ in range(SEEDS):
        lines = []
        for _ in range(per_seed):
            words = [rng.choice(WORDS) for _ in range(rng.randint(12, 30))]
            for _ in range(NAMES_PER_LINE):
                k = next(names, None)
                if k is not None:
                    words.insert(rng.randrange(len(words)), actor_name(k))
            line = " ".join(words)
            lines.append(line[0].upper() + line[1:] + ".")
        seeds.append(lines)
    return seeds


def write(n: int, out: Path, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "seeds").mkdir(exist_ok=True)
    counts = {
        "actors": max(2, n * 15 // 100),
        "events": max(1, n * 15 // 100),
        "statements": max(1, n * 15 // 100),
        "memberships": max(1, n * 4 // 100),
        "relations": max(1, n // 100),
    }
    seeds = []
    where: dict[str, tuple[str, int, int, int, str]] = {}  # actor name -> its span
    for i, lines in enumerate(_seed_texts(rng, counts["actors"])):
        text = "\n".join(lines) + "\n"
        path = f"seeds/synthetic_{i:02d}.txt"
        sid = f"src-synthetic-{i}"
        (out / path).write_text(text, encoding="utf-8", newline="\n")
        seeds.append((sid, path, lines, hashlib.sha256(text.encode()).hexdigest()))
        for ln, line in enumerate(lines, start=1):
            for start in (m for m in range(len(line)) if line.startswith("vich", m)):
                a = line.rfind(" ", 0, line.rfind(" ", 0, start)) + 1
                where[line[a : start + 4]] = (sid, ln, a, start + 4, line[a : start + 4])
    writers = {}
    files = []
    for t in C.TABLES:
        fh = (out / t.path).open("w", encoding="utf-8", newline="")
        files.append(fh)
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(t.column_names)
        writers[t.name] = w
    cit = 0

    def span() -> tuple[str, int, int, int, str]:
        sid, _, lines, _ = seeds[rng.randrange(SEEDS)]
        ln = rng.randrange(len(lines))
        text = lines[ln]
        starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == " "]
        k = rng.randrange(len(starts))
        a = starts[k]
        end_word = min(len(starts) - 1, k + rng.randint(0, 4))
        b = text.find(" ", starts[end_word])
        b = len(text) if b == -1 else b  # spans are whole words: aliases have no edge spaces
        return sid, ln + 1, a, b, text[a:b]

    def cite(record: str, s: tuple[str, int, int, int, str], role: str) -> None:
        nonlocal cit
        cit += 1
        writers["citations"].writerow([f"cit-{cit}", record, s[0], s[1], s[2], s[3], s[4], role])

    for sid, path, _, digest in seeds:
        writers["sources"].writerow([sid, path, digest, "Synthetic seed", None, None, "2024-10-31", "en", "article", None])
    kinds, countries = [t.value for t in C.ACTOR_KINDS], ["BLR", "RUS", "KAZ", "CHN", "BRA", "UKR", "USA"]
    for i in range(counts["actors"]):
        s = where[actor_name(i)]
        writers["actors"].writerow([f"act-{i}", s[4], rng.choice(kinds), rng.choice(countries), None, s[4]])
        cite(f"act-{i}", s, "alias")
    types, plover, stances = [t.value for t in C.EVENT_TYPES], [t.value for t in C.PLOVER_TYPES], [t.value for t in C.STANCES]
    dates = ["2024-10-23/2024-10-24", "2023-07", "2015", "2024-10~", "2023-06", "2025", "2023-08/2024-10-31", "../2024-10-31"]
    event_dates: list[str] = []
    for i in range(counts["events"]):
        p = rng.randrange(i) if i and rng.random() < 0.3 else None
        date = rng.choice(dates) if p is None else event_dates[p]  # a child lies within its parent
        event_dates.append(date)
        writers["events"].writerow(
            [f"evt-{i}", date, "stated", rng.choice(types), rng.choice(plover), f"act-{i % counts['actors']}",  # every actor used
             f"act-{rng.randrange(counts['actors'])}", "Kazan", None, None if p is None else f"evt-{p}", f"Synthetic event {i}.", rng.choice(stances)]
        )
        cite(f"evt-{i}", span(), "evidence")
    channels, topics = [t.value for t in C.CHANNELS], [t.value for t in C.TOPICS]
    for i in range(counts["statements"]):
        s = span()
        e = rng.randrange(counts["events"])
        writers["statements"].writerow(
            [f"stm-{i}", f"act-{rng.randrange(counts['actors'])}", event_dates[e], "inferred_context",
             f"evt-{e}", rng.choice(channels), "indirect", s[4], rng.choice(topics), "claimed"]
        )
        cite(f"stm-{i}", s, "quote")
    statuses = [t.value for t in C.MEMBERSHIP_STATUSES]
    opening = [f"evt-{i}" for i, d in enumerate(event_dates) if d == "2023-07"] or [None]
    for i in range(counts["memberships"]):
        writers["memberships"].writerow(  # one spell per member: no overlaps
            [f"mem-{i}", f"act-{1 + i % (counts['actors'] - 1)}", "act-0", rng.choice(statuses), "2023-07", "2024-10",
             rng.choice(opening), None, "fact"]
        )
        cite(f"mem-{i}", span(), "evidence")
    kinds = [t.value for t in C.RELATION_KINDS]
    for i in range(counts["relations"]):
        writers["relations"].writerow(
            [f"rel-{i}", rng.choice(kinds), f"evt-{rng.randrange(counts['events'])}", f"stm-{rng.randrange(counts['statements'])}",
             f"Synthetic relation {i}."]
        )
        cite(f"rel-{i}", span(), "evidence")
    for fh in files:
        fh.close()
    build(out, docs=False)
    counts.update(sources=SEEDS, citations=cit)
    return counts


if __name__ == "__main__":
    n, dest = int(sys.argv[1]), Path(sys.argv[2])
    print(write(n, dest))
