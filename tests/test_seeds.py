"""SeedIndex answers exactly like a scan of every seed, and its work stays linear."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from bri_data.files.package import read_seeds
from bri_data.files.seeds import SeedIndex
from fixturekit import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth


def _truth(p: str, texts: list[str]) -> bool:
    return bool(p) and any(p in t for t in texts)


def test_seed_index_equals_scanning() -> None:
    texts = [s.text for s in read_seeds(ROOT)]
    index = SeedIndex(texts)
    rng = random.Random(3)
    probes = ["Lukashenka", "ukashenka", "the collective West", " West", "West ", "Atlantis", "“BRICS friends club”", "", "—Kazakhstan—"]
    for text in texts:  # random substrings, many starting mid-word or on spaces
        for _ in range(300):
            a = rng.randrange(len(text))
            probes.append(text[a : a + rng.randint(1, 25)])
    for p in probes:
        assert (p in index) == _truth(p, texts), p
    assert index.resolve(set(probes)) == {p for p in probes if _truth(p, texts)}


def _probes(texts: list[str], aliases: list[str], rng: random.Random) -> set[str]:
    """Real spans and near misses: mid-word starts and ends, common leading words, words
    swapped or extended, punctuation only, spans across a line break."""
    probes = set(aliases)
    for a in aliases[:400]:
        words = a.split()
        probes |= {"the " + a, a + "x", "x" + a, a[1:], a[:-1], a.lower(), a.upper()}
        if len(words) > 1:
            probes |= {" ".join(reversed(words)), words[0] + "  " + words[-1], words[-1]}
    for text in texts:
        for _ in range(400):
            i = rng.randrange(len(text))
            probes.add(text[i : i + rng.randint(1, 40)])
        nl = text.find("\n", len(text) // 2)
        probes |= {text[nl - 5 : nl + 5], text[nl - 1 : nl + 1]}
    probes |= {"the", "The", "the the", ", ", "—", "“", "\n", "ö", "the Belarusian", "the Belarusian president of"}
    return probes


def test_seed_index_equals_scanning_on_realistic_seeds(tmp_path: Path) -> None:
    """Common leading words, shared first names, non-ASCII, quotes: every answer exact."""
    synth.write(4000, tmp_path / "pkg")
    texts = [s.text for s in read_seeds(tmp_path / "pkg")]
    aliases = sorted({a for line in (tmp_path / "pkg" / "data" / "actors.csv").read_text(encoding="utf-8").splitlines()[1:]
                      for a in line.rsplit(",", 1)[-1].split(";")})
    probes = _probes(texts, aliases, random.Random(5))
    truth = {p for p in probes if _truth(p, texts)}
    assert len(truth) > 1000 and len(probes) - len(truth) > 1000  # both answers well represented
    assert SeedIndex(texts).resolve(probes) == truth
    index = SeedIndex(texts)
    for p in sorted(probes)[::17]:
        assert (p in index) == (p in truth), p


def test_seed_index_work_has_no_rarity_cliff() -> None:
    """Line checks stay within a small multiple of the queries when every query starts
    with a word on every line ("the"), and when most queries are absent."""
    rng = random.Random(8)
    names = [f"Name{i:05d}" for i in range(3000)]
    lines = []
    for i in range(0, len(names), 3):
        lines.append(" ".join(f"the president {n} said, the" for n in names[i : i + 3]) + " the end.")
    texts = ["\n".join(lines[: len(lines) // 2]), "\n".join(lines[len(lines) // 2 :])]
    present = {f"the president {n}" for n in names} | {f"{n} said, the" for n in names}
    absent = {f"the president {n}x" for n in names} | {f"the {n}" for n in names} | {f"said, {rng.choice(names)} the" for _ in range(500)}
    index = SeedIndex(texts)
    assert index.resolve(present | absent) == present
    assert index.checks <= 2 * len(present | absent), index.checks
