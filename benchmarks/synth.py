"""Write a synthetic, valid bri-data package of about N rows in total.

Tables and columns come from the contract (`bri_data.contract.model`): every table of
`C.TABLES` is written, every column filled from what the contract says about it
(vocabulary, foreign key, EDTF, country, integer minimum, cross-column rules), so the
generator follows the contract as it grows. Seeds are synthetic texts; every quote,
alias and statement text is a real span of them, so all five validation layers do real
work. Two shapes:

- `realistic` (default): the row mix of the shipped package (citations about two
  thirds, several per record), several aliases per actor, many of them sharing common
  leading words ("the Belarusian president", "President Kalomirovich"), first names
  shared by many actors, quoted fields with commas and doubled quotes, thousands of
  distinct EDTF dates (days, months, years, qualifiers, intervals, open and unknown
  bounds), non-ASCII text, varied locations, summaries and statement texts;
- `simple`: the shape of the first benchmarks (issue 5), kept for comparison only and
  easier than real data: one alias per actor equal to its name, no quoted fields, 7
  distinct dates, 7 countries, one location, summaries that differ only in a number.

    python benchmarks/synth.py 100000 /tmp/bri-100k [--shape simple] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bri_data.build.generate import build  # noqa: E402
from bri_data.contract import model as C  # noqa: E402
from bri_data.contract.edtf import bounds  # noqa: E402

SHAPES = ("realistic", "simple")
SEEDS = 8

# Share of all rows per table (the rest are citations). Realistic: as in the shipped
# package (actors 9%, events 8%, statements 13%, memberships 2%); simple: as in issue 5.
# A table the contract adds later gets OTHER_SHARE.
SHARES = {
    "realistic": {"actors": 9, "events": 8, "statements": 13, "memberships": 2},
    "simple": {"actors": 15, "events": 15, "statements": 15, "memberships": 5},
}
OTHER_SHARE = 4

# --- word material ------------------------------------------------------------------

WORDS = ["belarus", "minsk", "brics", "summit", "kazan", "partner", "member", "status", "application", "declaration", "west", "sanctions", "policy", "council", "minister", "president", "press", "secretary", "interview", "address", "talks", "exchange", "amnesty", "election", "initiative", "peace", "conflict", "border", "trade", "payment", "currency"]
FIRST = ["Alyaksandr", "Yauheni", "Kassym-Jomart", "Sviatlana", "Maryia", "Siarhei", "Uladzimir", "Volha", "Nursultan", "Dmitry", "Łukasz", "Zoë", "Jürgen", "Đorđe", "Ольга", "Андрэй", "Aigerim", "Sergey", "Natalia", "Pavel", "Anatol", "Tatsiana", "Ihar", "Hanna", "Viktar", "Aliaksei", "Daria", "Yuri", "Elena", "Marat", "Dauren", "Gulnara", "Ruslan", "Askar", "Leila", "Timur", "Ayşe", "Mehmet", "Luiz", "Inês", "José", "Narendra", "Priya", "Cyril", "Thabo", "Wei", "Li", "Ahmed", "Fatima", "Omar"]
_SYL = ("ka", "lo", "mi", "ve", "ro", "sa", "tu", "ne", "zi", "po", "da", "fe", "gu", "hi", "ja", "ku", "le", "mo", "ni", "ra", "ša", "žo", "čy", "łu")
ENDINGS = ("vich", "enka", "ski", "ava", "bayev", "ov", "ić", "yeva", "ėnas", "escu")
TITLES = ("President", "Minister", "Ambassador", "Mr", "Ms", "Dr", "General", "Secretary", "Spokesman", "Deputy")
NATIONS = ("Belarusian", "Russian", "Kazakh", "Chinese", "Brazilian", "Indian", "Ukrainian", "American", "Polish", "Lithuanian", "Turkish", "Iranian", "Egyptian", "Ethiopian", "Emirati", "Saudi", "South African", "Uzbek", "Kyrgyz", "Armenian", "Azerbaijani", "Georgian", "Serbian", "Hungarian", "German", "French", "Latvian", "Estonian", "Moldovan", "Mongolian")
OFFICES = ("president", "leader", "foreign minister", "press secretary", "ambassador", "prime minister", "opposition leader", "envoy", "spokesman", "dictator", "defence minister", "deputy foreign minister")
ORG_WORDS = ("Council", "Union", "Forum", "Bank", "Organization", "Commission", "Institute", "Assembly")
OUTLET_WORDS = ("Daily Monitor", "Today", "Vesti", "Pravda", "Herald", "Courier", "Zviazda", "News Agency")
GROUP_WORDS = ("collective West", "officials", "opposition", "diaspora", "hardliners", "negotiators", "observers")
PLACES = ["Kazan, Russia", "Minsk", "Astana", "Nur-Sultan (Astana)", "São Paulo, Brazil", "Brasília", "New Delhi", "Beijing", "Moscow", "Vilnius", "Warsaw", "Almaty", "Tashkent", "Bishkek", "Yerevan", "Baku", "Tbilisi", "Belgrade", "Budapest", "Берлин", "Минск", "Zürich", "Genève", "Addis Ababa", "Cairo", "Riyadh", "Abu Dhabi", "Tehran", "Johannesburg", "Ulaanbaatar", "Hrodna", "Brest, Belarus", "Homiel", "Mahilioŭ", "Viciebsk", "Kraków", "Gdańsk", "Chişinău", "Tallinn", "Rīga"]
VERBS = ("said", "stressed", "claimed", "warned", "noted", "insisted", "recalled", "announced", "hinted", "argued")
CLAUSE_WORDS = ["Minsk", "Moscow", "BRICS", "the West", "sanctions", "partner status", "full membership", "the summit", "trade", "national currencies", "payments", "the border", "a peace plan", "the talks", "“multipolarity”", "the region", "Eurasia", "the Kremlin", "Beijing", "Brussels", "Washington", "security", "the economy", "the elections", "prisoners", "an amnesty", "a “friends club”", "neutrality", "dialogue", "pressure", "grain", "potash", "oil", "fertilisers", "logistics", "Ukraine", "the conflict", "negotiations", "the declaration", "naïve hopes", "rapprochement", "détente", "the Union State", "the SCO", "the EAEU", "the CSTO"]
LINKS = ("and", "but", "while", "because", "although", "so", "as", "whereas", "since", "yet")
ADJS = ("constructive", "frank", "difficult", "historic", "pragmatic", "unacceptable", "premature", "balanced", "open", "long-awaited", "tense", "cordial")
OUTLETS = ("Belta", "TASS", "RIA Novosti", "Xinhua", "Kazinform", "the BBC", "Radio Svaboda", "Nasha Niva", "Reuters", "Al Jazeera")


def _syllables(k: int, n: int) -> str:
    out = []
    for _ in range(n):
        out.append(_SYL[k % len(_SYL)])
        k //= len(_SYL)
    return "".join(out)


def actor_name(k: int) -> str:
    """The simple shape's unique, name-like surface form for actor K."""
    syl = _SYL[:20]
    a, b, c, d = k % 20, (k // 20) % 20, (k // 400) % 20, k // 8000
    return f"{syl[a].title()}{syl[b]}{syl[c]} {syl[d % 20].title()}{syl[(d // 20) % 20]}vich"


def _surname(k: int) -> str:
    """A unique surname for actor K: K's digits as syllables (at least three), then an ending."""
    n = 3
    while len(_SYL) ** n <= k:
        n += 1
    return (_syllables(k, n) + ENDINGS[k % len(ENDINGS)]).title()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- dates --------------------------------------------------------------------------

_DAY0 = 727563  # 1993-01-01 as a proleptic ordinal
_DAYS = 12053  # up to 2025-12-31


def _ymd(ordinal: int) -> tuple[int, int, int]:
    import datetime as dt

    d = dt.date.fromordinal(ordinal)
    return d.year, d.month, d.day


class Shape:
    """Value pools and seed texts of one shape; `write` asks it for every cell."""

    def __init__(self, name: str, rng: random.Random) -> None:
        self.name, self.rng = name, rng
        self.realistic = name == "realistic"
        import pycountry

        self.countries = sorted(c.alpha_3 for c in pycountry.countries) if self.realistic else ["BLR", "RUS", "KAZ", "CHN", "BRA", "UKR", "USA"]

    # -- dates
    def _fmt(self, ordinal: int, precision: str) -> str:
        y, m, d = _ymd(ordinal)
        return {"day": f"{y:04d}-{m:02d}-{d:02d}", "month": f"{y:04d}-{m:02d}", "year": f"{y:04d}"}[precision]

    def date(self) -> str:
        """One EDTF value: thousands of distinct ones in the realistic shape."""
        rng = self.rng
        if not self.realistic:
            return rng.choice(["2024-10-23/2024-10-24", "2023-07", "2015", "2024-10~", "2023-06", "2025", "2023-08/2024-10-31"])
        a = _DAY0 + rng.randrange(_DAYS)
        r = rng.random()
        prec = rng.choice(("day", "day", "day", "month", "month", "year"))
        if r < 0.55:
            out = self._fmt(a, prec)
        elif r < 0.65:
            out = self._fmt(a, prec) + rng.choice("?~%")
        elif r < 0.67:
            out = f"{_ymd(a)[0]}-{rng.choice((21, 22, 23, 24))}"  # a season
        elif r < 0.68:
            out = f"{_ymd(a)[0] // 10}X"  # a decade
        elif r < 0.88:
            b = a + rng.randrange(1, 900)
            out = f"{self._fmt(a, prec)}/{self._fmt(min(b, _DAY0 + _DAYS - 1), rng.choice(('day', 'month', 'year')))}"
        elif r < 0.94:
            out = f"{rng.choice(('..', ''))}/{self._fmt(a, prec)}"  # open or unknown start
        else:
            out = f"{self._fmt(a, prec)}/{rng.choice(('..', ''))}"  # open or unknown end
        assert bounds(out) is not None, out
        return out

    def ordered_dates(self) -> tuple[str, str]:
        """Two dates, the second not ending before the first starts."""
        if not self.realistic:
            return "2023-07", "2024-10"
        a = _DAY0 + self.rng.randrange(_DAYS - 1000)
        b = a + self.rng.randrange(0, 1000)
        return self._fmt(a, self.rng.choice(("day", "month", "year"))), self._fmt(b, self.rng.choice(("day", "month", "year")))

    # -- text
    def clause(self, words: int | None = None) -> str:
        rng = self.rng
        n = words or rng.randint(4, 12)
        parts = []
        for i in range(n):
            parts.append(rng.choice(CLAUSE_WORDS) if rng.random() < 0.5 else rng.choice(WORDS))
            if i and i < n - 1 and rng.random() < 0.12:
                parts[-1] += ","
                parts.append(rng.choice(LINKS))
        return " ".join(parts)

    def quoted(self) -> str:
        """A quotation as the seeds print it: straight or typographic marks, commas inside."""
        body = _cap(self.clause(self.rng.randint(2, 6)))
        return f'"{body}, {self.clause(2)}"' if self.rng.random() < 0.6 else f"“{body}”"

    def location(self) -> str:
        return self.rng.choice(PLACES) if self.realistic else "Kazan"

    def summary(self, i: int, who: str) -> str:
        if not self.realistic:
            return f"Synthetic event {i}."
        rng = self.rng
        forms = (
            lambda: f"{who} {rng.choice(VERBS)} that {self.clause()}.",
            lambda: f"In {self.location()}, {who} met officials; talks were called {self.quoted()}.",
            lambda: f"According to {rng.choice(OUTLETS)}, {self.clause()} — {who} did not comment.",
            lambda: f"{who} and others discussed {self.clause(5)}, {rng.choice(ADJS)} as ever.",
        )
        return rng.choice(forms)()

    def notes(self) -> str:
        return f"Synthetic note: {self.clause(6)}." if self.realistic else "Synthetic note."

    # -- actors: (name, aliases)
    def actor(self, k: int, kind: str) -> tuple[str, list[str]]:
        if not self.realistic:
            name = actor_name(k)
            return name, [name]
        rng = self.rng
        last = _surname(k)
        if kind == "state":
            place = last.removesuffix(ENDINGS[k % len(ENDINGS)].title()) + "ia"
            name = f"Republic of {place}"
            return name, [name, place, f"the {place} government"]
        if kind == "organization":
            name = f"{last} {rng.choice(ORG_WORDS)}"
            acronym = "".join(w[0] for w in name.split()).upper() + str(k % 97)
            return name, [name, acronym] + ([f"the {name.split()[-1].lower()}"] if rng.random() < 0.3 else [])
        if kind == "media_outlet":
            name = f"{last} {rng.choice(OUTLET_WORDS)}"
            return name, [name]
        if kind == "group":
            name = f"the {rng.choice(NATIONS)} {rng.choice(GROUP_WORDS)} {last}"
            return name, [name]
        first = FIRST[k % len(FIRST)]
        name = f"{first} {last}"
        aliases = [name, last]
        if rng.random() < 0.7:
            aliases.append(f"{rng.choice(TITLES)} {last}")
        if rng.random() < 0.6:  # a common description, shared by many actors
            office = f"the {rng.choice(NATIONS)} {rng.choice(OFFICES)}"
            aliases.append(office)
            if rng.random() < 0.25:
                aliases.append(_cap(office))
        return name, aliases

    # -- seed lines
    def mention_sentence(self, aliases: list[str]) -> str:
        """A sentence naming every alias once (the name first)."""
        rng = self.rng
        if not self.realistic:
            words = [rng.choice(WORDS) for _ in range(rng.randint(4, 10))]
            for a in aliases:
                words.insert(rng.randrange(len(words) + 1), a)
            return " ".join(words)
        name, rest = aliases[0], aliases[1:]
        s = f"On {rng.randint(1, 28)} {rng.choice(('January', 'March', 'June', 'October', 'November'))}, {name} {rng.choice(VERBS)} that {self.clause(rng.randint(2, 6))}"
        for a in rest:
            form = rng.randrange(4)
            if form == 0:
                s += f"; {a} added: {self.quoted()}"
            elif form == 1:
                s += f", {rng.choice(LINKS)} {a} called it {self.quoted()}"
            elif form == 2:
                s += f" — as {a} told {rng.choice(OUTLETS)} in {self.location()}"
            else:
                s += f". Later {a} {rng.choice(VERBS)} {self.clause(3)}"
        return s + "."

    def filler_sentence(self) -> str:
        rng = self.rng
        if not self.realistic:
            return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
        return f"{_cap(self.clause())}, {rng.choice(LINKS)} {rng.choice(OUTLETS)} quoted {self.quoted()} from {self.location()}."


def _seed_lines(shape: Shape, mentions: list[list[str]]) -> tuple[list[list[str]], dict[int, tuple[int, int, int, int]]]:
    """SEEDS texts as lists of lines; where the first alias of each mention list lies
    (mention index -> (seed, line index, start, end))."""
    rng = shape.rng
    header = 6  # title, blank, byline, blank, date, blank: cited as metadata
    per_seed = max(1, -(-len(mentions) // SEEDS))
    seeds: list[list[str]] = []
    where: dict[int, tuple[int, int, int, int]] = {}
    m = 0
    for s in range(SEEDS):
        lines = [f"Synthetic seed {s}: {_cap(shape.clause(5))}", "", f"By {FIRST[s % len(FIRST)]} {_surname(10_000_000 + s)}", "", "31.10.2024", ""]
        body_end = min(len(mentions), m + per_seed)
        while m < body_end or len(lines) < header + 3:
            parts: list[str] = []
            length = 0
            for _ in range(rng.randint(2, 5)):
                if m < body_end:
                    sentence = shape.mention_sentence(mentions[m])
                    name = mentions[m][0]
                    at = sentence.find(name)
                    where[m] = (s, len(lines), length + at, length + at + len(name))
                    m += 1
                else:
                    sentence = shape.filler_sentence()
                parts.append(sentence)
                length += len(sentence) + 1
            line = " ".join(parts)
            lines.append(line[0].upper() + line[1:])
        seeds.append(lines)
    return seeds, where


class _Writer:
    def __init__(self, out: Path, table: C.Table) -> None:
        self.table = table
        self.fh = (out / table.path).open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.fh, lineterminator="\n")
        self.csv.writerow(table.column_names)
        self.rows = 0

    def write(self, row: dict[str, Any]) -> None:
        self.csv.writerow([row.get(c) for c in self.table.column_names])
        self.rows += 1


Span = tuple[int, int, int, int]  # (seed index, line index, char_start, char_end)


class _Package:
    """The state of one generated package: ids so far, seeds, pending citations."""

    def __init__(self, sh: Shape, seeds: list[tuple[str, str, list[str], str]]) -> None:
        self.sh, self.rng, self.seeds = sh, sh.rng, seeds
        self.ids: dict[str, list[str]] = {t.name: [] for t in C.TABLES}
        self.cites: list[tuple[str, Span, str]] = []  # (record id, span, role)
        self.actors: list[tuple[str, str, list[str]]] = []  # (kind, name, aliases)
        self._starts: dict[tuple[int, int], list[int]] = {}
        # Columns whose value depends on more than the contract says about them.
        self.special: dict[tuple[str, str], Any] = {
            ("events", "location"): lambda _: sh.location(),
            ("events", "summary"): lambda i: sh.summary(i, self.rng.choice(self.actors)[2][-1]),
            ("actors", "role"): lambda _: f"{self.rng.choice(TITLES)}, {self.rng.choice(ORG_WORDS)} of {self.rng.choice(PLACES)}"
            if sh.realistic else "Synthetic role",
        }

    def span(self, words: tuple[int, int] = (1, 5)) -> Span:
        """A random whole-word span of a body line (spans never have edge spaces)."""
        rng = self.rng
        s = rng.randrange(SEEDS)
        lines = self.seeds[s][2]
        ln = rng.randrange(6, len(lines)) if len(lines) > 6 else rng.randrange(len(lines))
        text = lines[ln]
        starts = self._starts.get((s, ln))
        if starts is None:
            starts = self._starts[(s, ln)] = [0] + [i + 1 for i, ch in enumerate(text) if ch == " "]
        k = rng.randrange(len(starts))
        end_word = min(len(starts) - 1, k + rng.randint(words[0] - 1, words[1] - 1))
        b = text.find(" ", starts[end_word])
        return s, ln, starts[k], len(text) if b == -1 else b

    def quote(self, sp: Span) -> str:
        return self.seeds[sp[0]][2][sp[1]][sp[2] : sp[3]]

    def fill(self, table: C.Table, row: dict[str, Any], i: int) -> dict[str, Any]:
        """Every column ROW leaves unset, from what the contract says about it; then the
        table's rules are made to hold."""
        sh, rng = self.sh, self.rng
        for col in table.columns:
            if col.name in row:
                continue
            special = self.special.get((table.name, col.name))
            if col.name == "id":
                row["id"] = f"{table.prefix}-{i}" if not sh.realistic else f"{table.prefix}-{_slug(_slug(sh.clause(2))[:30])}-{i}"
            elif not col.required and sh.realistic and rng.random() < 0.15:
                row[col.name] = None
            elif special is not None:
                row[col.name] = special(i)
            elif col.references is not None and col.references != "*":
                pool = self.ids[col.references]
                if col.references == table.name:  # a self-reference points back, and is rare
                    row[col.name] = pool[rng.randrange(len(pool))] if pool and rng.random() < 0.3 else None
                else:
                    row[col.name] = rng.choice(pool)
            elif col.vocabulary:
                row[col.name] = rng.choice([t.value for t in col.vocabulary if not t.value.startswith("not_")])
            elif col.check == "edtf":
                row[col.name] = sh.date()
            elif col.check == "country":
                row[col.name] = rng.choice(sh.countries)
            elif col.type == "integer":
                row[col.name] = (col.minimum or 0) + rng.randrange(100)
            elif col.pattern is None:
                row[col.name] = sh.notes()
            else:
                raise NotImplementedError(f"synth cannot fill {table.name}.{col.name} (pattern {col.pattern}); teach it here")
        for rule in table.rules:
            self.keep(table, rule, row)
        return row

    def keep(self, table: C.Table, rule: C.Rule, row: dict[str, Any]) -> None:
        """Make ROW keep RULE (the kinds of `C.Rule`)."""
        rng = self.rng
        first, second = row.get(rule.first), row.get(rule.second)
        col2 = table.column(rule.second)
        values = [t.value for t in col2.vocabulary or ()]
        if rule.kind == "paired" and (first is None) != (second is None):
            if first is None and col2.required:  # a required basis of an empty date: its `not_...` term
                row[rule.second] = next(v for v in values if v.startswith("not_"))
            elif first is None:
                row[rule.second] = None
            else:
                row[rule.second] = rng.choice([v for v in values if not v.startswith("not_")])
        elif rule.kind == "paired" and first is None and col2.required and not str(second).startswith("not_"):
            row[rule.second] = next(v for v in values if v.startswith("not_"))
        elif rule.kind == "ordered" and first is not None and second is not None:
            row[rule.first], row[rule.second] = self.sh.ordered_dates()
        elif rule.kind == "distinct" and first is not None and first == second:
            row[rule.second] = None if not col2.required else next(v for v in self.ids[col2.references or ""] if v != first)
        elif rule.kind not in ("paired", "ordered", "distinct"):
            raise NotImplementedError(f"synth does not know rule kind {rule.kind!r}; teach it here")


def write(n: int, out: Path, seed: int = 7, shape: str = "realistic") -> dict[str, int]:
    """Write a valid package of about N rows into OUT; returns the rows written per table."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; use one of {', '.join(SHAPES)}")
    rng = random.Random(seed)
    sh = Shape(shape, rng)
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "seeds").mkdir(exist_ok=True)
    shares = SHARES[shape]
    counts = {t.name: max(1, n * shares.get(t.name, OTHER_SHARE) // 100) for t in C.TABLES}
    counts["actors"] = max(2, counts["actors"])

    # Actors first: their aliases make the seeds.
    kinds = [t.value for t in C.ACTOR_KINDS]
    weights = [70 if v == "person" else 8 for v in kinds] if sh.realistic else [1] * len(kinds)
    actors = []
    for k in range(counts["actors"]):
        kind = rng.choices(kinds, weights)[0]
        name, aliases = sh.actor(k, kind)
        actors.append((kind, name, aliases))
    lines_of, where = _seed_lines(sh, [aliases for _, _, aliases in actors])
    seeds = []
    for i, lines in enumerate(lines_of):
        text = "\n".join(lines) + "\n"
        path = f"seeds/synthetic_{i:02d}.txt"
        (out / path).write_text(text, encoding="utf-8", newline="\n")
        seeds.append((f"src-synthetic-{i}", path, lines, hashlib.sha256(text.encode()).hexdigest()))

    pkg = _Package(sh, seeds)
    pkg.actors = actors
    writers = {t.name: _Writer(out, t) for t in C.TABLES}
    for i, (sid, path, lines, digest) in enumerate(seeds):
        row = {"id": sid, "path": path, "sha256": digest, "title": lines[0], "author": lines[2].removeprefix("By "),
               "publisher": "Synthetic Monitor", "published": "2024-10-31", "language": "en", "notes": None}
        writers["sources"].write(pkg.fill(C.SOURCES, row, i))
        pkg.ids["sources"].append(sid)
        if sh.realistic:  # title, byline and dateline, as curators cite a source
            pkg.cites += [(sid, (i, ln, 0, len(lines[ln])), "metadata") for ln in (0, 2, 4)]
    for k, (kind, name, aliases) in enumerate(actors):
        aid = f"act-{k}" if not sh.realistic else f"act-{_slug(_slug(name)[:40])}-{k}"
        country = rng.choice(sh.countries) if not sh.realistic or kind == "state" or rng.random() < 0.7 else None
        row = {"id": aid, "name": name, "kind": kind, "country": country, "aliases": ";".join(aliases)}
        writers["actors"].write(pkg.fill(C.ACTORS, row, k))
        pkg.ids["actors"].append(aid)
        pkg.cites.append((aid, where[k], "alias"))
    for table in C.TABLES[2:-1]:  # sources and actors above, citations below
        for i in range(counts[table.name]):
            row = {}
            sp = pkg.span()
            if "text" in table.column_names and table is C.STATEMENTS:  # verbatim: a span, cited as the quote
                sp = pkg.span((3, 25) if sh.realistic else (1, 5))
                row["text"] = pkg.quote(sp)
            row = pkg.fill(table, row, i)
            writers[table.name].write(row)
            pkg.ids[table.name].append(row["id"])
            if table.must_be_cited:
                pkg.cites.append((row["id"], sp, "quote" if table is C.STATEMENTS else "evidence"))

    # One citation per cited record (above); in the realistic shape more (dates, further
    # evidence) until the package holds about N rows, as in the shipped package.
    if sh.realistic:
        records = sum(len(v) for v in pkg.ids.values())
        pool = [r for t in C.TABLES if t.must_be_cited for r in pkg.ids[t.name]]
        for _ in range(max(0, n - records - len(pkg.cites))):
            pkg.cites.append((rng.choice(pool), pkg.span(), rng.choice(("evidence", "evidence", "date"))))
    for j, (record, sp, role) in enumerate(pkg.cites):
        s, ln, a, b = sp
        row = {"id": f"cit-{j}" if not sh.realistic else f"cit-{s:03d}-{j:06d}", "record_id": record, "source_id": seeds[s][0],
               "line": ln + 1, "char_start": a, "char_end": b, "quote": pkg.quote(sp), "role": role}
        writers["citations"].write(pkg.fill(C.CITATIONS, row, j))
    for wr in writers.values():
        wr.fh.close()
    build(out, docs=False)
    return {name: wr.rows for name, wr in writers.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--shape", choices=SHAPES, default="realistic", help="realistic (default) or simple (issue 5's easier shape, kept for comparison)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    print(write(args.rows, args.out, args.seed, args.shape))


if __name__ == "__main__":
    main()
