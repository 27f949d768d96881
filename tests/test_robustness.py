"""Corruptions beyond the fixtures: random damage never produces a traceback.

Each case damages a fresh copy of the shipped package at random (bytes flipped,
inserted or cut; quotes, commas, newlines and huge values injected; descriptor
fields replaced with wrong types), then validates with both engines. Whatever the
damage, the result is a report with a sane exit code, and both engines agree.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from bri_data.validate.run import validate
from fixturekit import copy_package, refresh_hashes

FILES = ["data/sources.csv", "data/actors.csv", "data/events.csv", "data/statements.csv", "data/memberships.csv", "data/citations.csv"]
INSERTS = [b'"', b",", b"\n", b"\r\n", b"\x00", b"\xff", b"\xe2\x80", b";;", b"evt-", b"-1", b"9" * 30, b"x" * 70000]
WRONG = [None, 1, -5, "", [], {}, "x", ["a"], {"name": 1}, True, 1.5, "/abs", "../up", "http://h/x.csv"]


def _damage_bytes(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 4)):
        if not data:
            return rng.choice(INSERTS)
        i = rng.randrange(len(data))
        op = rng.randrange(4)
        if op == 0:
            data = data[:i] + rng.choice(INSERTS) + data[i:]
        elif op == 1:
            data = data[:i] + data[i + rng.randint(1, 40) :]
        elif op == 2:
            data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]
        else:
            data = data[:i]
    return data


def _damage_descriptor(desc: dict[str, Any], rng: random.Random) -> None:
    res = desc["resources"][rng.randrange(len(desc["resources"]))]
    target = rng.choice([desc, res, res["schema"], res["schema"]["fields"][0]])
    key = rng.choice(sorted(target))
    target[key] = rng.choice(WRONG)


@pytest.mark.parametrize("seed", range(120))
def test_random_damage_is_reported_not_raised(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    pkg = copy_package(tmp_path / "pkg")
    if seed % 5 == 4:
        desc = json.loads((pkg / "datapackage.json").read_text())
        _damage_descriptor(desc, rng)
        (pkg / "datapackage.json").write_text(json.dumps(desc))
    else:
        for rel in rng.sample(FILES, rng.randint(1, 3)):
            path = pkg / rel
            path.write_bytes(_damage_bytes(path.read_bytes(), rng))
        if rng.random() < 0.5:
            refresh_hashes(pkg)
    rows = validate(pkg, engine="rows")
    columnar = validate(pkg, engine="columnar")
    assert rows.exit_code in (1, 2) or rows.valid
    assert [f.to_dict() for f in rows.sorted_findings()] == [f.to_dict() for f in columnar.sorted_findings()]
    assert dict(rows.counts) == dict(columnar.counts)
