"""Write a synthetic, valid bri-data package of about N rows in total.

Tables and columns come from the contract (`bri_data.contract.model`): every table of
`C.TABLES` is written, every column filled from what the contract says about it
(vocabulary, foreign key, `*` reference and its targets, EDTF, country, integer minimum,
the rule kinds of `C.Rule`), so the generator follows the contract as it grows and
says so (NotImplementedError) when it meets something it cannot fill. Seeds are
synthetic texts; every quote, alias and statement text is a real span of them, so all
validation layers do real work. The records agree with each other as
`bri_data/validation/consistency.py` requires: a child event and a statement lie within
their event's date, a spell's start and end agree with the events that open and close
it, spells of one member and organization do not overlap unless a `qualifies` relation
links them, every actor is used. Two shapes:

- `realistic` (default): the row mix of the shipped package (citations about two
  thirds, several per record), several aliases per actor, many of them sharing common
  leading words ("the Belarusian president", "President Kalomirovich"), first names
  shared by many actors, quoted fields with commas and doubled quotes, thousands of
  distinct EDTF dates (days, months, years, qualifiers, seasons, decades, intervals,
  open and unknown bounds), non-ASCII text, varied locations, summaries and statement
  texts, spells in chains of statuses;
- `simple`: the shape of the first benchmarks (issue 5), kept for comparison only and
  easier than real data: one alias per actor equal to its name, no quoted fields, 8
  distinct dates, 7 countries, one location, summaries that differ only in a number,
  one citation per record.

`inject_errors(pkg)` damages a generated package (cells of every table, plus a cycle,
an unused actor and overlapping spells) so that most finding codes of the validator's
layers 2-6 occur; the engine-agreement tests use it.

    python benchmarks/synth.py 100000 /tmp/bri-100k [--shape simple] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bri_data.build.generate import build  # noqa: E402
from bri_data.contract import model as C  # noqa: E402
from bri_data.files.limits import MAX_SEED_BYTES, MAX_SEEDS_TOTAL_BYTES  # noqa: E402
from bri_data.validation.consistency import date_range, inside  # noqa: E402

SHAPES = ("realistic", "simple")
SEEDS = 8

# Share of all rows per table (the rest are citations). Realistic: about as in the
# shipped package; simple: as in issue 5. A table the contract adds later gets OTHER_SHARE.
SHARES = {
    "realistic": {"actors": 9, "events": 8, "statements": 13, "memberships": 2, "relations": 3},
    "simple": {"actors": 15, "events": 15, "statements": 15, "memberships": 4, "relations": 1},
}
OTHER_SHARE = 3
EMPTY_OPTIONAL = 0.15  # realistic: share of optional cells left empty

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
CLAUSE_WORDS = ["Minsk", "Moscow", "BRICS", "the West", "sanctions", "partner status", "full membership", "the summit", "trade", "national currencies", "payments", "the border", "a peace plan", "the talks", "“multipolarity”", "the region", "Eurasia", "the Kremlin", "Beijing", "Brussels", "Washington", "security", "the economy", "the elections", "prisoners", "an amnesty", "a “friends club”", "neutrality", "dialogue", "pressure", "grain", "potash", "oil", "fertilisers", "logistics", "Ukraine", "the conflict", "negotiations", "the declaration", "naïve hopes", "rapprochement", "détente", "the Union State", "the SCO", "the EAEU", "the CSTO", "a week prior", "last year", "in recent months"]
LINKS = ("and", "but", "while", "because", "although", "so", "as", "whereas", "since", "yet")
ADJS = ("constructive", "frank", "difficult", "historic", "pragmatic", "unacceptable", "premature", "balanced", "open", "long-awaited", "tense", "cordial")
OUTLETS = ("Belta", "TASS", "RIA Novosti", "Xinhua", "Kazinform", "the BBC", "Radio Svaboda", "Nasha Niva", "Reuters", "Al Jazeera")
MONTH_NAMES = ("January", "March", "June", "October", "November")


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

_DAY0 = dt.date(1993, 1, 1).toordinal()
_DAYS = dt.date(2025, 12, 31).toordinal() - _DAY0 + 1
SIMPLE_DATES = ["2024-10-23/2024-10-24", "2023-07", "2015", "2024-10~", "2023-06", "2025", "2023-08/2024-10-31", "../2024-10-31"]


def _fmt(ordinal: int, precision: str) -> str:
    d = dt.date.fromordinal(ordinal)
    return {"day": f"{d.year:04d}-{d.month:02d}-{d.day:02d}", "month": f"{d.year:04d}-{d.month:02d}", "year": f"{d.year:04d}"}[precision]


def _ordinal(day: tuple[int, int, int]) -> int:
    return dt.date(*day).toordinal()


class Shape:
    """Value pools and seed texts of one shape; `write` asks it for every cell."""

    def __init__(self, name: str, rng: random.Random) -> None:
        self.name, self.rng = name, rng
        self.realistic = name == "realistic"
        import pycountry

        self.countries = sorted(c.alpha_3 for c in pycountry.countries) if self.realistic else ["BLR", "RUS", "KAZ", "CHN", "BRA", "UKR", "USA"]

    # -- dates
    def date(self) -> str:
        """One EDTF value: thousands of distinct ones in the realistic shape."""
        rng = self.rng
        if not self.realistic:
            return rng.choice(SIMPLE_DATES)
        a = _DAY0 + rng.randrange(_DAYS)
        r = rng.random()
        prec = rng.choice(("day", "day", "day", "month", "month", "year"))
        if r < 0.55:
            out = _fmt(a, prec)
        elif r < 0.65:
            out = _fmt(a, prec) + rng.choice("?~%")
        elif r < 0.67:
            out = f"{dt.date.fromordinal(a).year}-{rng.choice((21, 22, 23, 24))}"  # a season
        elif r < 0.68:
            out = f"{dt.date.fromordinal(a).year // 10}X"  # a decade
        elif r < 0.88:
            b = min(a + rng.randrange(1, 900), _DAY0 + _DAYS - 1)
            out = f"{_fmt(a, prec)}/{_fmt(b, rng.choice(('day', 'month', 'year')))}"
        elif r < 0.94:
            out = f"{rng.choice(('..', ''))}/{_fmt(a, prec)}"  # open or unknown start
        else:
            out = f"{_fmt(a, prec)}/{rng.choice(('..', ''))}"  # open or unknown end
        if date_range(out) is None:  # e.g. 2024/2024-03: the end lies before the year ends
            out = _fmt(a, "day")
        return out

    def date_within(self, outer: str | None) -> str:
        """A date lying within OUTER's range (consistency: a child within its parent, a
        statement within its event); any date when OUTER is empty or no range."""
        r = date_range(outer)
        if r is None:
            return self.date()
        assert outer is not None
        rng = self.rng
        if not self.realistic or rng.random() < 0.3 or (r[0] is None and r[1] is None):
            return outer
        lo, hi = r
        b = _ordinal(hi) if hi is not None else _ordinal(lo) + rng.randrange(1, 900)  # type: ignore[arg-type]
        a = _ordinal(lo) if lo is not None else b - rng.randrange(1, 900)
        d = rng.randint(a, b)
        form = rng.random()
        if form < 0.4:
            candidate = _fmt(d, "day")
        elif form < 0.6:
            candidate = _fmt(d, "month")
        elif form < 0.7:
            candidate = _fmt(d, "day") + rng.choice("?~")
        else:
            candidate = f"{_fmt(d, 'day')}/{_fmt(rng.randint(d, b), rng.choice(('day', 'month')))}"
        inner = date_range(candidate)
        return candidate if inner is not None and inside(inner, r) else _fmt(d, "day")

    def ordered_dates(self) -> tuple[str, str]:
        """Two dates, the second not ending before the first starts."""
        if not self.realistic:
            return "2023-07", "2024-10"
        a = _DAY0 + self.rng.randrange(_DAYS - 1000)
        b = a + self.rng.randrange(0, 1000)
        return _fmt(a, self.rng.choice(("day", "month", "year"))), _fmt(b, "day")

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
        forms: tuple[Callable[[], str], ...] = (
            lambda: f"{who} {rng.choice(VERBS)} that {self.clause()}.",
            lambda: f"In {self.location()}, {who} met officials; talks were called {self.quoted()}.",
            lambda: f"According to {rng.choice(OUTLETS)}, {self.clause()} — {who} did not comment.",
            lambda: f"{who} and others discussed {self.clause(5)}, {rng.choice(ADJS)} as ever.",
        )
        return rng.choice(forms)()

    def notes(self) -> str:
        return f"Synthetic note: {self.clause(6)}." if self.realistic else "Synthetic note."

    # -- actors
    def actor(self, k: int, kind: str) -> tuple[str, list[str], str, list[str]]:
        """Actor K's name, its aliases, a mention (a phrase holding every alias of its own,
        the name included) and its shared aliases (descriptions many actors have, e.g.
        "the Belarusian president": the seeds need each only once)."""
        if not self.realistic:
            name = actor_name(k)
            return name, [name], name, []
        rng = self.rng
        last = _surname(k)
        if kind == "state":
            place = last.removesuffix(ENDINGS[k % len(ENDINGS)].title()) + "ia"
            name = f"Republic of {place}"
            return name, [name, place, f"the {place} government"], f"the {place} government of the {name}", []
        if kind == "organization":
            name = f"{last} {rng.choice(ORG_WORDS)}"
            acronym = "".join(w[0] for w in name.split()).upper() + str(k % 97)
            shared = [f"the {name.split()[-1].lower()}"] if rng.random() < 0.3 else []
            return name, [name, acronym, *shared], f"{name} ({acronym})", shared
        if kind == "media_outlet":
            name = f"{last} {rng.choice(OUTLET_WORDS)}"
            return name, [name], name, []
        if kind == "group":
            name = f"the {rng.choice(NATIONS)} {rng.choice(GROUP_WORDS)} {last}"
            return name, [name], name, []
        name = f"{FIRST[k % len(FIRST)]} {last}"  # first names shared by many actors
        aliases, mention, shared = [name, last], name, []
        if rng.random() < 0.7:  # "President Alyaksandr Zijadamiski": a common leading word
            mention = f"{rng.choice(TITLES)} {name}"
            aliases.append(mention)
        if rng.random() < 0.6:  # a common description, shared by many actors
            office = f"the {rng.choice(NATIONS)} {rng.choice(OFFICES)}"
            shared.append(office)
            if rng.random() < 0.25:
                shared.append(_cap(office))
        return name, aliases + shared, mention, shared

    # -- seed lines
    def mention_sentence(self, mention: str, shared: list[str]) -> str:
        """A sentence holding MENTION and the aliases of SHARED (none at its start, so that
        no alias is capitalized away). Short: the seeds of a 3M-row package must stay
        within bri-data's limits on seed text (files/limits.py)."""
        rng = self.rng
        if not self.realistic:
            words = [rng.choice(WORDS) for _ in range(rng.randint(4, 10))]
            words.insert(rng.randrange(len(words) + 1), mention)
            return " ".join(words)
        r = rng.random()
        if r < 0.15:
            s = f"On {rng.randint(1, 28)} {rng.choice(MONTH_NAMES)}, {mention} {rng.choice(VERBS)}"
        elif r < 0.3 or mention[0].islower():
            s = f"{rng.choice(('Later', 'Then', 'Meanwhile', 'Next day'))} {mention} {rng.choice(VERBS)}"
        else:
            s = f"{mention} {rng.choice(VERBS)}"
        for a in shared:
            s += f"; {a} agreed" if a[0].islower() else f". {a} agreed"
        r = rng.random()
        if r < 0.15:
            s += f" {self.quoted()}"
        elif r < 0.4:
            s += f" {rng.choice(CLAUSE_WORDS)}"
        return s + "."

    def filler_sentence(self) -> str:
        rng = self.rng
        if not self.realistic:
            return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
        return f"{_cap(self.clause())}, {rng.choice(LINKS)} {rng.choice(OUTLETS)} quoted {self.quoted()} from {self.location()}."


Span = tuple[int, int, int, int]  # (seed index, line index, char_start, char_end)
HEADER_LINES = 6  # title, blank, byline, blank, dateline, blank: cited as metadata


def _seed_lines(shape: Shape, actors: list[tuple[str, str, list[str], str, list[str]]]) -> tuple[list[list[str]], list[Span]]:
    """SEEDS texts as lists of lines, every alias of ACTORS in them; where each actor's
    name lies (its alias citation)."""
    rng = shape.rng
    per_seed = max(1, -(-len(actors) // SEEDS))
    seeds: list[list[str]] = []
    where: list[Span] = []
    placed: set[str] = set()
    m = 0
    for s in range(SEEDS):
        lines = [f"Synthetic seed {s}: {_cap(shape.clause(5))}", "", f"By {FIRST[s % len(FIRST)]} {_surname(10_000_000 + s)}", "", "31.10.2024", ""]
        body_end = min(len(actors), m + per_seed)
        while m < body_end or len(lines) < HEADER_LINES + 3:
            parts: list[str] = []
            length = 0
            for _ in range(rng.randint(2, 5)):
                if m < body_end and rng.random() > 0.01:
                    _, name, _, mention, shared = actors[m]
                    sentence = shape.mention_sentence(mention, [a for a in shared if a not in placed])
                    placed.update(shared)
                    at = sentence.find(name)
                    where.append((s, len(lines), length + at, length + at + len(name)))
                    m += 1
                else:
                    sentence = shape.filler_sentence()
                parts.append(sentence)
                length += len(sentence) + 1
            lines.append(" ".join(parts))
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



class _Package:
    """The state of one generated package: ids so far, seeds, the citations writer."""

    def __init__(self, sh: Shape, seeds: list[tuple[str, str, list[str], str]], writers: dict[str, _Writer]) -> None:
        self.sh, self.rng, self.seeds, self.writers = sh, sh.rng, seeds, writers
        self.ids: dict[str, list[str]] = {t.name: [] for t in C.TABLES}
        self.actors: list[tuple[str, str, list[str], str, list[str]]] = []  # (kind, name, aliases, mention, shared)
        self.unused: list[str] = []  # actors no record uses yet (consistency.actor_unused), taken first
        self.event_dates: dict[str, str | None] = {}
        self.bounded: list[tuple[int, int, str, str]] = []  # events with a closed range: (first day, last day, id, date)
        self.cites = 0
        # Columns whose value depends on more than the contract says about them.
        self.special: dict[tuple[str, str], Callable[[int], Any]] = {
            ("events", "location"): lambda _: sh.location(),
            ("events", "summary"): lambda i: sh.summary(i, self.rng.choice(self.actors)[2][-1]),
            ("actors", "role"): lambda _: f"{self.rng.choice(TITLES)}, {self.rng.choice(ORG_WORDS)} of {self.rng.choice(PLACES)}"
            if sh.realistic else "Synthetic role",
        }

    # -- spans and citations
    def span(self, words: tuple[int, int] = (1, 5)) -> Span:
        """A random whole-word span of a body line (spans never have edge spaces) whose
        text occurs once on its line, as a curator's quote must (CURATION.md, rule 2)."""
        rng = self.rng
        while True:
            s = rng.randrange(SEEDS)
            lines = self.seeds[s][2]
            ln = rng.randrange(HEADER_LINES, len(lines))
            text = lines[ln]
            a = text.rfind(" ", 0, rng.randrange(len(text)) + 1) + 1
            b = a
            for _ in range(rng.randint(*words)):
                b = text.find(" ", b + 1)
                if b == -1:
                    b = len(text)
                    break
            if b > a and text[a] != " " and text.find(text[a:b]) == a and text.find(text[a:b], a + 1) == -1:
                return s, ln, a, b

    def quote(self, sp: Span) -> str:
        return self.seeds[sp[0]][2][sp[1]][sp[2] : sp[3]]

    def cite(self, record: str, sp: Span, role: str) -> None:
        s, ln, a, b = sp
        cid = f"cit-{self.cites}" if not self.sh.realistic else f"cit-{s:03d}-{self.cites:06d}"
        row = {"id": cid, "record_id": record, "source_id": self.seeds[s][0], "line": ln + 1, "char_start": a, "char_end": b,
               "quote": self.quote(sp), "role": role}
        self.writers["citations"].write(self.fill(C.CITATIONS, row, self.cites))
        self.cites += 1

    # -- references
    def actor_ref(self) -> str:
        """An actor id: one not used yet while there are any (every actor used), else any."""
        if self.unused:
            return self.unused.pop()
        return self.rng.choice(self.ids["actors"])

    def any_ref(self, col: C.Column) -> str:
        """A record of one of the `*` column's target tables."""
        pools = [self.ids[t] for t in col.targets if self.ids[t] and t != "sources"]
        pool = self.rng.choice(pools or [self.ids[t] for t in col.targets if self.ids[t]])
        if pool is self.ids["actors"] and self.unused:
            return self.unused.pop()
        return self.rng.choice(pool)

    # -- rows
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
            elif not col.required and sh.realistic and rng.random() < EMPTY_OPTIONAL:
                row[col.name] = None
            elif special is not None:
                row[col.name] = special(i)
            elif col.references == "actors":
                row[col.name] = self.actor_ref()
            elif col.references == "*":
                row[col.name] = self.any_ref(col)
            elif col.references == table.name:  # a self-reference is set by its table's writer, or left empty
                row[col.name] = None
            elif col.references is not None:
                row[col.name] = rng.choice(self.ids[col.references])
            elif col.vocabulary:
                row[col.name] = rng.choice([t.value for t in col.vocabulary if t.value != C.DATE_NOT_GIVEN])
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
        """Make ROW keep RULE (the kinds of `C.Rule`, as bri_data/validation/rules.py judges them)."""
        first, second = row.get(rule.first), row.get(rule.second)
        if rule.kind == "marks_empty":
            values = [t.value for t in table.column(rule.second).vocabulary or () if t.value != rule.value]
            if first is None:
                row[rule.second] = rule.value
            elif second == rule.value or second is None:
                row[rule.second] = self.rng.choice(values)
        elif rule.kind == "requires":
            if first is not None and second is None:
                row[rule.first] = None
        elif rule.kind == "ordered":
            a, b = date_range(first), date_range(second)
            if a is not None and b is not None and a[0] is not None and b[1] is not None and b[1] < a[0]:
                row[rule.second] = first
        elif rule.kind == "distinct":
            if first is not None and first == second:
                col2 = table.column(rule.second)
                pool = self.ids[col2.references] if col2.references not in (None, "*") else self.ids["events"]
                row[rule.second] = None if not col2.required else next(v for v in pool if v != first)
        elif rule.kind == "dates":
            if first == rule.value and isinstance(second, str) and not C.states_a_date(second):
                others = [t.value for t in table.column(rule.first).vocabulary or () if t.value != rule.value]
                row[rule.first] = others[0]
        else:
            raise NotImplementedError(f"synth does not know rule kind {rule.kind!r}; teach it here")


def _events(pkg: _Package, n: int) -> None:
    sh, rng, out = pkg.sh, pkg.rng, pkg.writers["events"]
    for i in range(n):
        row: dict[str, Any] = {}
        parents = pkg.ids["events"]
        if parents and rng.random() < 0.3:  # a child lies within its parent (an earlier event: no cycles)
            parent = rng.choice(parents)
            row["parent_event_id"] = parent
            row["date"] = sh.date_within(pkg.event_dates[parent])
        if sh.realistic and "date" not in row and rng.random() < 0.05:
            row["date"] = None  # the seeds give neither date nor bound: date_basis not_given
        row = pkg.fill(C.EVENTS, row, i)
        out.write(row)
        rid = row["id"]
        pkg.ids["events"].append(rid)
        pkg.event_dates[rid] = row["date"]
        r = date_range(row["date"])
        if r is not None and r[0] is not None and r[1] is not None:
            pkg.bounded.append((_ordinal(r[0]), _ordinal(r[1]), rid, row["date"]))
        pkg.cite(rid, pkg.span(), "evidence")


def _statements(pkg: _Package, n: int) -> None:
    sh, rng, out = pkg.sh, pkg.rng, pkg.writers["statements"]
    for i in range(n):
        sp = pkg.span((3, 25) if sh.realistic else (1, 5))  # verbatim: a span, cited as the quote
        row: dict[str, Any] = {"text": pkg.quote(sp)}
        if not sh.realistic or rng.random() >= EMPTY_OPTIONAL:
            event = rng.choice(pkg.ids["events"])
            row["event_id"] = event
            row["date"] = sh.date_within(pkg.event_dates[event])  # within its event
        else:
            row["event_id"] = None
        row = pkg.fill(C.STATEMENTS, row, i)
        out.write(row)
        pkg.ids["statements"].append(row["id"])
        pkg.cite(row["id"], sp, "quote")


def _memberships(pkg: _Package, n: int) -> list[tuple[str, str]]:
    """Spells in chains per (member, organization): each spell starts where the previous
    ends, at the dates of events sorted by their first day, so no two spells of a chain
    surely share a day; the opening and closing events are those events. Some chains get
    a second spell over the first one's dates (another status): the pairs returned are
    to be linked by a `qualifies` relation."""
    sh, rng, out = pkg.sh, pkg.rng, pkg.writers["memberships"]
    kinds = {aid: a[0] for aid, a in zip(pkg.ids["actors"], pkg.actors, strict=True)}
    members = [a for a, k in kinds.items() if k in ("state", "group")] or pkg.ids["actors"]
    orgs = [a for a, k in kinds.items() if k == "organization"] or pkg.ids["actors"]
    statuses = [t.value for t in C.MEMBERSHIP_STATUSES]
    pairs: set[tuple[str, str]] = set()
    overlaps: list[tuple[str, str]] = []
    i = 0
    while i < n:
        for _ in range(50):
            pair = (pkg.unused.pop() if pkg.unused else rng.choice(members), rng.choice(orgs))
            if pair[0] != pair[1] and pair not in pairs:
                break
        else:
            break  # every pair has its chain: fewer spells than asked
        pairs.add(pair)
        k = min(n - i, rng.randint(1, 4) if sh.realistic else 1)
        if len(pkg.bounded) > k:
            stops = sorted(rng.sample(pkg.bounded, k + 1))  # by first day
            dates: list[tuple[str | None, str | None]] = [(s[3], s[2]) for s in stops]
        else:  # too few dated events: dates without events
            a, b = sh.ordered_dates()
            k, dates = 1, [(a, None), (b, None)]
        chain = []
        for j in range(k):
            (start, start_event), (end, end_event) = dates[j], dates[j + 1]
            row: dict[str, Any] = {"member_id": pair[0], "organization_id": pair[1],
                                   "status": statuses[min(j + rng.randrange(2), len(statuses) - 2)]}
            if sh.realistic and j == 0 and rng.random() < 0.1:
                start, start_event = None, None  # the seeds do not say when it began
            if sh.realistic and j == k - 1 and rng.random() < 0.3:
                end, end_event = None, None  # still open
            row["start"], row["end"] = start, end
            row["start_event_id"] = start_event if start_event and rng.random() < 0.5 else None
            row["end_event_id"] = end_event if end_event and rng.random() < 0.4 else None
            row = pkg.fill(C.MEMBERSHIPS, row, i)
            out.write(row)
            pkg.ids["memberships"].append(row["id"])
            pkg.cite(row["id"], pkg.span(), "evidence")
            chain.append(row)
            i += 1
        if sh.realistic and i < n and rng.random() < 0.1:  # a second status over the first spell's dates
            first = chain[0]
            row = {c: first[c] for c in ("member_id", "organization_id", "start", "end")}
            row.update(status="abstaining" if first["status"] != "abstaining" else "interested", start_event_id=None, end_event_id=None)
            row = pkg.fill(C.MEMBERSHIPS, row, i)
            out.write(row)
            pkg.ids["memberships"].append(row["id"])
            pkg.cite(row["id"], pkg.span(), "evidence")
            overlaps.append((row["id"], first["id"]))
            i += 1
    return overlaps


def _relations(pkg: _Package, n: int, overlaps: list[tuple[str, str]]) -> None:
    """N relations, first the `qualifies` ones that explain overlapping spells; more
    while some actor is still unused (a relation is a use)."""
    out = pkg.writers["relations"]
    i = 0
    while i < n or i < len(overlaps) or pkg.unused:
        row: dict[str, Any] = {}
        if i < len(overlaps):
            row = {"kind": C.OVERLAP_REASON, "subject_id": overlaps[i][0], "object_id": overlaps[i][1]}
        row = pkg.fill(C.RELATIONS, row, i)
        out.write(row)
        pkg.ids["relations"].append(row["id"])
        pkg.cite(row["id"], pkg.span(), "evidence")
        i += 1


def write(n: int, out: Path, seed: int = 7, shape: str = "realistic") -> dict[str, int]:
    """Write a valid package of about N rows into OUT; returns the rows written per table."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; use one of {', '.join(SHAPES)}")
    known = {"sources", "actors", "events", "statements", "memberships", "relations", "citations"}
    if {t.name for t in C.TABLES} != known:
        raise NotImplementedError(f"synth writes {sorted(known)}; the contract has {sorted(t.name for t in C.TABLES)}: teach it here")
    rng = random.Random(seed)
    sh = Shape(shape, rng)
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "seeds").mkdir(exist_ok=True)
    shares = SHARES[shape]
    counts = {t.name: max(1, n * shares.get(t.name, OTHER_SHARE) // 100) for t in C.TABLES}
    counts["actors"] = max(3, counts["actors"])

    # Actors first: their aliases make the seeds.
    kinds = [t.value for t in C.ACTOR_KINDS]
    weights = [70 if v == "person" else 8 for v in kinds] if sh.realistic else [1] * len(kinds)
    actors = []
    for k in range(counts["actors"]):
        kind = rng.choices(kinds, weights)[0]
        actors.append((kind, *sh.actor(k, kind)))
    lines_of, where = _seed_lines(sh, actors)
    texts = ["\n".join(lines) + "\n" for lines in lines_of]
    sizes = [len(t.encode()) for t in texts]
    if max(sizes) > MAX_SEED_BYTES or sum(sizes) > MAX_SEEDS_TOTAL_BYTES:
        raise ValueError(f"{n:,} rows need {sum(sizes):,} bytes of seed text ({max(sizes):,} in one seed); bri-data reads at most "
                         f"{MAX_SEEDS_TOTAL_BYTES:,} ({MAX_SEED_BYTES:,} per seed): generate fewer rows")
    seeds = []
    for i, (lines, text) in enumerate(zip(lines_of, texts, strict=True)):
        path = f"seeds/synthetic_{i:02d}.txt"
        (out / path).write_text(text, encoding="utf-8", newline="\n")
        seeds.append((f"src-synthetic-{i}", path, lines, hashlib.sha256(text.encode()).hexdigest()))

    writers = {t.name: _Writer(out, t) for t in C.TABLES}
    pkg = _Package(sh, seeds, writers)
    pkg.actors = actors
    for i, (sid, path, lines, digest) in enumerate(seeds):
        row = {"id": sid, "path": path, "sha256": digest, "title": lines[0], "author": lines[2].removeprefix("By "),
               "publisher": "Synthetic Monitor", "published": "2024-10-31", "language": "en", "notes": None}
        writers["sources"].write(pkg.fill(C.SOURCES, row, i))
        pkg.ids["sources"].append(sid)
        if sh.realistic:  # title, byline and dateline, as curators cite a source
            for ln in (0, 2, 4):
                pkg.cite(sid, (i, ln, 0, len(lines[ln])), "metadata")
    for k, (kind, name, aliases, _, _) in enumerate(actors):
        aid = f"act-{k}" if not sh.realistic else f"act-{_slug(_slug(name)[:40])}-{k}"
        country = rng.choice(sh.countries) if not sh.realistic or kind == "state" or rng.random() < 0.7 else None
        row = {"id": aid, "name": name, "kind": kind, "country": country, "aliases": ";".join(aliases)}
        writers["actors"].write(pkg.fill(C.ACTORS, row, k))
        pkg.ids["actors"].append(aid)
        pkg.cite(aid, where[k], "alias")
    pkg.unused = pkg.ids["actors"][:]
    rng.shuffle(pkg.unused)
    _events(pkg, counts["events"])
    _statements(pkg, counts["statements"])
    overlaps = _memberships(pkg, counts["memberships"])
    _relations(pkg, counts["relations"], overlaps)
    assert not pkg.unused, "every actor is used"

    # One citation per cited record (above); in the realistic shape more (dates, further
    # evidence) until the package holds about N rows, as in the shipped package.
    if sh.realistic:
        pool = [r for t in C.TABLES if t.must_be_cited for r in pkg.ids[t.name]]
        for _ in range(max(0, n - sum(w.rows for w in writers.values()))):
            pkg.cite(rng.choice(pool), pkg.span(), rng.choice(("evidence", "evidence", "date")))
    for wr in writers.values():
        wr.fh.close()
    build(out, docs=False)
    return {name: wr.rows for name, wr in writers.items()}


# --- error injection ------------------------------------------------------------------

# Damage per column: a literal value, or a token resolved from the package:
# DUP an id of an earlier row of the table, GLOBAL an id of another table, SELF the row's
# own id, EVENT an event id, ACTOR an actor id, RECORD any record id, CITATION a citation id,
# PAIR another spell's member and organization (an overlap), SAME the row's member_id.
BAD: dict[str, list[str]] = {
    "id": ["Bad Id", "", "DUP", "GLOBAL"],
    "name": [""],
    "date": ["2023-02-30", "yesterday", "2024-10-24/2024-10-23", "1999", "../2015", "../..", "2024-10-31/..x", "../2024-13", "/",
             "2024-10-23/2024-10-22"],
    "date_basis": ["", "not_given", "guessed"],
    "start": ["2025", "2023", "someday", "2025-10-23/..", "../2030"],
    "end": ["2001", "", "../1990", "1990/.."],
    "country": ["ZZZ", "blr", "XKX", "Blr"],
    "kind": ["wizard"],
    "type": ["sumit"],
    "status": ["rumoured"],
    "mode": ["shouted"],
    "aliases": ["Atlantis", " padded", "a;;b", "the Belarusian presidency", "The", "Łukasz;the Kazakh leader", 'Minsk, "Belarus"'],
    "speaker_id": ["act-nobody", "EVENT"],
    "actor_id": ["act-nobody", "Not An Id"],
    "target_id": ["EVENT"],
    "parent_event_id": ["evt-nobody", "SELF", "EVENT"],
    "event_id": ["EVENT", "evt-nobody"],
    "member_id": ["PAIR", "act-nobody"],
    "organization_id": ["SAME"],
    "start_event_id": ["EVENT"],
    "end_event_id": ["EVENT"],
    "subject_id": ["ACTOR", "evt-nobody", "CITATION", "SELF"],
    "object_id": ["RECORD"],
    "record_id": ["mem-nobody", "CITATION", "RECORD"],
    "source_id": ["src-nobody"],
    "line": ["0", "99999", "x", "٥"],
    "char_start": ["-1", "500", " 5 "],
    "char_end": ["0", "100000"],
    "quote": ["not the text", "", "“BRICS”", "Minsk,"],
    "text": ["never said", 'said, "no"', "«non-verbatim»"],
    "summary": ["", 'a, "quoted" summary', "é" * 5001, "bell\x07"],
    "location": ['São Paulo, "Brazil"', ""],
    "role": ["date"],  # a citation's random span may state no date
}


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def inject_errors(pkg: Path, seed: int = 14, rate: float = 0.02) -> dict[str, int]:
    """Damage about RATE of the cells of every table but sources with the values of BAD,
    then add an event cycle and an unused, uncited actor (a copy of one with a new id);
    refresh the descriptor's hashes so that only the specific checks catch the damage.
    Returns the damaged cells per column (and the structural damage)."""
    rng = random.Random(seed)
    tables = {t.name: _read(pkg / t.path) for t in C.TABLES[1:]}
    ids = {name: [r[0] for r in rows[1:]] for name, rows in tables.items()}
    records = [i for name, v in ids.items() if name != "citations" for i in v]
    spells = tables["memberships"]
    done: dict[str, int] = {}

    def value(token: str, table: str, row: list[str], header: list[str]) -> str:
        if token == "DUP":
            return rng.choice(ids[table][: max(1, ids[table].index(row[0]) if row[0] in ids[table] else 1)])
        if token == "GLOBAL":
            return rng.choice(ids["actors" if table != "actors" else "events"])
        if token == "SELF":
            return row[0]
        if token == "EVENT":
            return rng.choice(ids["events"])
        if token == "ACTOR":
            return rng.choice(ids["actors"])
        if token == "RECORD":
            return rng.choice(records)
        if token == "CITATION":
            return rng.choice(ids["citations"])
        if token == "SAME":
            return row[header.index("member_id")]
        return token

    for name, rows in tables.items():
        header = rows[0]
        for row in rows[1:]:
            for c, col in enumerate(header):
                if col in BAD and rng.random() < rate:
                    token = rng.choice(BAD[col])
                    if token == "PAIR":
                        other = rng.choice(spells[1:])
                        row[c], row[header.index("organization_id")] = other[c], other[header.index("organization_id")]
                    else:
                        row[c] = value(token, name, row, header)
                    done[col] = done.get(col, 0) + 1
    events = tables["events"]
    if len(events) > 3:  # two events each other's parent: key.cycle
        p = events[0].index("parent_event_id")
        a, b = rng.sample(range(1, len(events)), 2)
        events[a][p], events[b][p] = events[b][0], events[a][0]
        done["cycle"] = 1
    actors = tables["actors"]
    copy = list(rng.choice(actors[1:]))
    copy[0] = "act-injected-unused-actor"
    actors.append(copy)  # used by no record and cited by none
    done["unused actor"] = 1
    for name, rows in tables.items():
        with (pkg / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    build(pkg, docs=False)
    return done


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--shape", choices=SHAPES, default="realistic",
                    help="realistic (default) or simple (issue 5's easier shape, kept for comparison only)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    print(write(args.rows, args.out, args.seed, args.shape))


if __name__ == "__main__":
    main()
