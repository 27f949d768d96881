"""SeedIndex answers exactly like a scan of every seed."""

from __future__ import annotations

import random

from bri_data.files.package import read_seeds
from bri_data.files.seeds import SeedIndex
from fixturekit import ROOT


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
        assert (p in index) == (bool(p) and any(p in t for t in texts)), p
