"""The data contract, defined once.

Every other artefact derives from the definitions in this module: the JSON Schemas in
``schemas/``, the Table Schemas inside ``datapackage.json``, the SQLite DDL, the pandas
dtypes and the data dictionary. Edit here, then run ``bri-data build``; a test fails
when a generated file drifts from this module.

The module imports nothing heavy on purpose: ``bri-data validate`` loads it on every run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

PACKAGE_NAME = "bri-data"
TITLE = "bri-data: Belarus, Kazakhstan and BRICS around the 2024 Kazan summit"
DESCRIPTION = (
    "Hand-curated tables (sources, actors, events, statements, memberships, relations, citations) "
    "from two source texts, every record tied to the exact span of seed text that "
    "supports it. Validate with `bri-data validate`."
)
# SemVer for data: MAJOR = a column or vocabulary removed/renamed, MINOR = rows or
# columns added, PATCH = corrections. Typed only here: the wheel (hatch) reads it from this
# file, `bri-data build` writes it into datapackage.json and CITATION.cff.
VERSION = "0.2.0"
# Fixed so that `bri-data build` is reproducible; bump together with VERSION.
CREATED = "2026-12-01T00:00:00Z"
PACKAGE_ID = "urn:uuid:8f0f3b1e-5a4e-4d3e-9d0a-6f2b1c7e2a10"
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
TABLESCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
JSONSCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE_URI = "https://bri-data.invalid/schemas/"

# Longest cell a curator could plausibly need (the longest seed line is ~1,100 code
# points); anything larger is an accident and is reported, not processed further.
MAX_CELL = 5000

ColumnType = Literal["string", "integer"]
# How layer 5 (semantics) and layer 4 (provenance) treat a column beyond its JSON type.
Check = Literal["edtf", "country", "aliases", "seed_path", "none"]


@dataclass(frozen=True)
class Term:
    """One value of a closed vocabulary, with the definition curators code against."""

    value: str
    definition: str


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    required: bool = False  # non-null; every column must be present in the header
    # Whole-value regex without anchors (Table Schema style); JSON Schema anchors it.
    pattern: str | None = None
    vocabulary: tuple[Term, ...] | None = None
    minimum: int | None = None
    min_length: int | None = None
    max_length: int | None = MAX_CELL
    # Foreign key: a table name, or "*" for a record of any of the tables in `targets`.
    references: str | None = None
    targets: tuple[str, ...] = ()  # for references "*": the tables whose ids the column holds
    check: Check = "none"

    @property
    def enum(self) -> list[str] | None:
        return None if self.vocabulary is None else [t.value for t in self.vocabulary]


RuleKind = Literal["marks_empty", "requires", "ordered", "distinct", "dates"]


@dataclass(frozen=True)
class Rule:
    """A rule across two columns of one row, declared once here and read by the row check,
    the columnar mask (both in `validation/rules.py`), the SQL CHECKs and the data dictionary.

    - `marks_empty`: FIRST is empty exactly when SECOND is VALUE (an empty SECOND is left
      to `row.required`);
    - `requires`: when FIRST is given, SECOND is given too;
    - `ordered`: the EDTF date in SECOND does not end before FIRST starts;
    - `distinct`: FIRST and SECOND, when both given, differ;
    - `dates`: when FIRST is VALUE, the text in SECOND states or implies a date: it holds a
      digit, a month name or a word of `TEMPORAL_WORDS` (see `states_a_date`).
    Findings point at SECOND and carry CODE; MESSAGE may use {table}, {first}, {second},
    {first_value}, {second_value}, {value} and {detail}.
    """

    kind: RuleKind
    first: str
    second: str
    code: str
    message: str
    description: str
    value: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    # Records of this table must be supported by at least one citation.
    must_be_cited: bool = True
    rules: tuple[Rule, ...] = ()
    # When set, every record of this table must be referenced by a record of another
    # table (citations aside; see `users_of`); a record that is not carries this code.
    unused_code: str | None = None
    # The column that names a record for a reader (views, `bri-data show`).
    label: str = "id"

    @property
    def prefix(self) -> str:
        return PREFIXES[self.name]

    @property
    def noun(self) -> str:
        """One record, in prose: `actor`, `membership`."""
        return self.title.removesuffix("s").lower()

    # Derived once per table, not per row (the validators ask for them on every row);
    # callers must not mutate the lists.
    @cached_property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @cached_property
    def foreign_keys(self) -> list[Column]:
        return [c for c in self.columns if c.references is not None]

    @cached_property
    def integer_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.type == "integer")

    @cached_property
    def semantic_columns(self) -> tuple[Column, ...]:
        """Columns layer 5 judges beyond their JSON type (EDTF dates, country codes)."""
        return tuple(c for c in self.columns if c.check in ("edtf", "country"))

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"


def _id_pattern(*prefixes: str) -> str:
    head = prefixes[0] if len(prefixes) == 1 else "(" + "|".join(prefixes) + ")"
    return head + "-[a-z0-9]+(-[a-z0-9]+)*"


def _id(table: str, what: str) -> Column:
    prefix = PREFIXES[table]
    return Column(
        "id",
        "string",
        f"Stable identifier of the {what}: `{prefix}-` followed by a lowercase slug. "
        "Never reused; unique across the whole package.",
        required=True,
        pattern=_id_pattern(prefix),
        max_length=80,
    )


def _fk(name: str, table: str, description: str, required: bool = False) -> Column:
    return Column(
        name,
        "string",
        description,
        required=required,
        pattern=_id_pattern(PREFIXES[table]),
        max_length=80,
        references=table,
    )


def _edtf(name: str, description: str, required: bool = False) -> Column:
    return Column(
        name,
        "string",
        description + " An EDTF (levels 0-1) string with exactly the precision the text gives.",
        required=required,
        max_length=64,
        check="edtf",
    )


def _text(name: str, description: str, required: bool = False) -> Column:
    return Column(name, "string", description, required=required, min_length=1)


PREFIXES = {
    "sources": "src",
    "actors": "act",
    "events": "evt",
    "statements": "stm",
    "memberships": "mem",
    "relations": "rel",
    "citations": "cit",
}

# --- vocabularies -------------------------------------------------------------------

SOURCE_KINDS = (
    Term("article", "A signed analytical article with a title, byline and dateline."),
    Term("report", "An unsigned analytical news report without title, byline or date."),
)

ACTOR_KINDS = (
    Term("person", "A named or unnamed individual, including office-holders named only by office."),
    Term("state", "A sovereign state, also when the text names it by its capital (metonymy)."),
    Term("organization", "An international organization, bloc, alliance, government body or think tank."),
    Term("media_outlet", "A broadcaster, newspaper or news agency."),
    Term("group", "A collective actor the text treats as one (e.g. 'the collective West', 'Belarusian officials')."),
)

EVENT_TYPES = (
    Term("summit", "A meeting of heads of state or government of an organization."),
    Term("attendance", "An actor takes part in a summit or meeting."),
    Term("application", "A formal application to join an organization."),
    Term("declaration", "An official declaration of an intention, goal or position."),
    Term("notification", "Formally informing other parties of a decision or goal."),
    Term("status_grant", "An organization grants or creates a status (e.g. partner country)."),
    Term("admission", "An actor is admitted to an organization as a member."),
    Term("decision", "A decision by a government or organization (e.g. not to expand, not to apply)."),
    Term("interview", "Interviews given to media outlets."),
    Term("address", "A speech or address delivered at a meeting."),
    Term("statement", "A public statement, e.g. by a spokesperson."),
    Term("endorsement", "Public backing of another actor's initiative, proposal or document."),
    Term("initiative", "A proposal or plan put forward, e.g. a peace initiative."),
    Term("sanction", "Imposition of sanctions or restrictions."),
    Term("blockade", "Closure or restriction of borders or logistics."),
    Term("pressure", "Threats or pressure applied to other actors, or a campaign against them."),
    Term("exchange", "An exchange of prisoners or bodies between parties."),
    Term("amnesty", "An amnesty or pardon of prisoners."),
    Term("election", "An election."),
    Term("talks", "Talks or negotiations, public or confidential."),
    Term("intervention", "Entry of foreign troops or intervention in a conflict."),
    Term("uprising", "Mass protest or an (alleged) attempt at a 'color revolution'."),
    Term("hostilities", "Armed conflict, battlefield developments or its escalation."),
    Term("mediation", "An actor facilitates or mediates between other parties, e.g. an exchange of prisoners."),
    Term("supply", "Supplying arms, goods or resources to another party."),
    Term("collapse", "A state, front or order breaks down, or is feared to."),
    Term("accusation", "An actor publicly accuses or blames another."),
    Term("warning", "An actor publicly warns of a danger or of consequences."),
)

PLOVER_TYPES = tuple(
    Term(v, d)
    for v, d in (
        ("AGREE", "Agree to, accept or sign an agreement or proposal."),
        ("CONSULT", "Meet, visit, negotiate, hold talks or discuss."),
        ("SUPPORT", "Express support for, praise or endorse another actor or its position."),
        ("CONCEDE", "Make a concession, ease restrictions, release or pardon people."),
        ("COOPERATE", "Cooperate in practice: join, coordinate, share, collaborate."),
        ("AID", "Provide aid or assistance (economic, humanitarian, military)."),
        ("RETREAT", "Withdraw, pull back or abstain from a course of action."),
        ("REQUEST", "Ask for, appeal for or apply for something."),
        ("ACCUSE", "Accuse, blame, criticize or allege wrongdoing."),
        ("REJECT", "Reject, refuse or oppose a proposal or position."),
        ("THREATEN", "Threaten, warn of negative consequences."),
        ("PROTEST", "Demonstrate, rally or protest."),
        ("SANCTION", "Impose sanctions, embargoes or restrictions; break off relations."),
        ("MOBILIZE", "Mobilize or deploy forces, raise alert."),
        ("COERCE", "Use non-lethal force: seize, arrest, blockade, expel."),
        ("ASSAULT", "Use lethal force: fight, attack, kill."),
    )
)

STANCES = (
    Term("fact", "The author reports it as fact, in their own voice."),
    Term("claimed", "Presented as said or claimed by a named actor ('he said', 'according to')."),
    Term("alleged", "The text marks it as alleged ('allegedly')."),
    Term("planned", "Announced or intended for the future; not yet happened when reported."),
    Term("hypothetical", "A possibility the text discusses (a risk, a warning), neither announced nor happened."),
    Term("analysis", "The author's own assessment, inference or interpretation."),
)

DATE_BASES = (
    Term("stated", "The text gives the date (at the precision recorded)."),
    Term("inferred_publication", "Part of the date is taken from the source's publication date (e.g. the year)."),
    Term("inferred_context", "The date is inferred from context, e.g. the summit during which it happened."),
    Term("not_given", "The seeds give neither a date nor a bound; `date` stays empty."),
)
# The date_basis value that marks an empty date (rule `marks_empty`).
DATE_NOT_GIVEN = "not_given"

CHANNELS = (
    Term("interview", "Said in an interview to a media outlet."),
    Term("address", "Said in a speech or address at a meeting."),
    Term("press_statement", "A public statement by an official or spokesperson."),
    Term("official_declaration", "A formal declaration of a state or organization."),
    Term("article", "Written by the author of the source text (the author's own analysis)."),
    Term("unspecified", "The text does not say how it was said."),
)

MODES = (
    Term("direct", "The text quotes the speaker's words in quotation marks."),
    Term("indirect", "The text paraphrases or reports the speaker's words."),
    Term("authorial", "The source's author in their own analytic voice: neither quoted nor reported speech."),
)

TOPICS = (
    Term("brics_membership", "Joining BRICS: interest, application, partner status, accession process."),
    Term("brics_role", "What BRICS is and does: its role in world affairs and the world order."),
    Term("multipolarity", "Multipolar versus unipolar world order."),
    Term("west_relations", "Relations with the West, the United States, the European Union; normalization."),
    Term("sanctions", "Sanctions, threats of sanctions and economic pressure."),
    Term("ukraine_conflict", "The Russia-Ukraine war and how it could end; peace initiatives."),
    Term("humanitarian", "Humanitarian missions, exchanges of prisoners and bodies, mediation."),
    Term("nato", "NATO, foreign troops and the risk of escalation."),
    Term("middle_east", "The Middle East conflict."),
    Term("economy", "Payments, trade in national currencies and economic cooperation."),
    Term("elections", "Elections, 'color revolution' and foreign interference."),
    Term("political_prisoners", "Amnesties, pardons and political prisoners."),
    Term("foreign_policy", "Foreign policy strategy: hedging, diversification, room for manoeuvre."),
)

MEMBERSHIP_STATUSES = (
    Term("interested", "Signals interest in close partnership or in joining, without a formal step."),
    Term("aspirant", "Has officially declared the ambition to become a member, without applying."),
    Term("applicant", "Has applied for (full) membership."),
    Term("partner", "Holds partner-country status."),
    Term("member", "Is a (full) member."),
    Term("abstaining", "Has declared it will not apply for membership."),
)

CITATION_ROLES = (
    Term("evidence", "The span supports the record's substance."),
    Term("quote", "The span is a statement's verbatim text."),
    Term("alias", "The span is a surface form of an actor's name."),
    Term("date", "The span gives the record's date."),
    Term("metadata", "Title, byline, dateline, publisher or author line of a source."),
)

RELATION_KINDS = (
    Term("same_as", "The two records refer to the same real-world thing, act or utterance, reported twice (typically once per seed)."),
    Term("contradicts", "The sources (or one source's two passages) disagree about the thing the records describe."),
    Term("qualifies", "One record narrows, hedges or conditions the other without contradicting it."),
    Term(
        "part_of",
        "The subject is a part of the object (for links that `parent_event_id` cannot express, e.g. a statement "
        "that is part of a longer statement, or an event part of an event reported in the other seed).",
    ),
)
# The relation kind that records why two spells of one member and organization overlap.
OVERLAP_REASON = "qualifies"
# The relation kind that records a conflict between sources (counted by `coverage`).
CONFLICT = "contradicts"

# What a citation with role `date` must quote (rule `dates`): a digit, a month name
# (capitalized, so that the verb "may" is not one) or one of these words (whole words, any case).
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
TEMPORAL_WORDS = (
    "day", "days", "week", "weeks", "month", "months", "year", "years", "prior", "ago", "before", "after",
    "during", "since", "until", "recent", "recently", "upcoming", "summit", "yesterday", "today",
)  # fmt: skip
DATE_WORDS_PATTERN = r"\d|\b(?:" + "|".join(MONTHS) + r")\b|(?i:\b(?:" + "|".join(TEMPORAL_WORDS) + r")\b)"


def states_a_date(text: str) -> bool:
    """Whether TEXT states or implies a date (the rule kind `dates`)."""
    return _DATE_WORDS.search(text) is not None


_DATE_WORDS = re.compile(DATE_WORDS_PATTERN)

# --- tables -------------------------------------------------------------------------

_DATE_MARKED = Rule(
    "marks_empty",
    "date",
    "date_basis",
    "semantic.date_basis",
    "{table} row has {detail}",
    f"`date` is empty exactly when `date_basis` is `{DATE_NOT_GIVEN}`.",
    value=DATE_NOT_GIVEN,
)


def _date_basis() -> Column:
    return Column(
        "date_basis",
        "string",
        f"On what the date rests; `{DATE_NOT_GIVEN}` (and `date` empty) when the seeds give neither a date nor a bound.",
        required=True,
        vocabulary=DATE_BASES,
    )

SOURCES = Table(
    "sources",
    "Sources",
    "One row per seed text. Title, author, publisher and date only where the text shows them.",
    (
        _id("sources", "source"),
        Column(
            "path",
            "string",
            "Path of the seed text inside the package, e.g. `seeds/000_dece6ae29ab50339.txt`.",
            required=True,
            pattern=r"seeds/[A-Za-z0-9_][A-Za-z0-9_.\-]*\.txt",  # no hidden files
            max_length=200,
            check="seed_path",
        ),
        Column(
            "sha256",
            "string",
            "SHA-256 of the seed's bytes (lowercase hex); pins the text the citations point into.",
            required=True,
            pattern="[0-9a-f]{64}",
        ),
        _text("title", "Title as printed in the seed; empty when the seed has none."),
        _text("author", "Author as printed in the byline; empty when the seed has none."),
        _text("publisher", "Publisher or outlet as the seed names it; empty when it does not."),
        _edtf("published", "Publication date as printed in the seed; empty when it has none."),
        Column(
            "language",
            "string",
            "Language of the seed text (BCP 47 tag).",
            required=True,
            pattern="[a-z]{2,3}(-[A-Za-z0-9]{2,8})*",
            max_length=35,
        ),
        Column("kind", "string", "Kind of text.", required=True, vocabulary=SOURCE_KINDS),
        _text("notes", "Curator's notes on the source."),
    ),
    must_be_cited=False,
    label="path",
)

ACTORS = Table(
    "actors",
    "Actors",
    "Persons, states, organizations, media outlets and groups that the seeds name or refer to.",
    (
        _id("actors", "actor"),
        _text("name", "Name as the seeds give it (the fullest form they use).", required=True),
        Column("kind", "string", "Kind of actor.", required=True, vocabulary=ACTOR_KINDS),
        Column(
            "country",
            "string",
            "ISO 3166-1 alpha-3 code of the state the actor is, or belongs to, as the seeds say.",
            pattern="[A-Z]{3}",
            max_length=3,
            check="country",
        ),
        _text("role", "Role or office as the seeds describe it."),
        Column(
            "aliases",
            "string",
            "`;`-separated surface forms exactly as they occur in the seeds (spelling variants included).",
            min_length=1,
            check="aliases",
        ),
    ),
    unused_code="consistency.actor_unused",
    label="name",
)

EVENTS = Table(
    "events",
    "Events",
    "Things that happened, or are reported, alleged, planned or feared to happen.",
    (
        _id("events", "event"),
        _edtf("date", "When it happened, or a bound such as `../2024-10-31` (before publication); empty when the seeds give neither."),
        _date_basis(),
        Column("type", "string", "Project event type.", required=True, vocabulary=EVENT_TYPES),
        Column("plover_type", "string", "PLOVER root category, or empty.", vocabulary=PLOVER_TYPES),
        _fk("actor_id", "actors", "Who acts."),
        _fk("target_id", "actors", "Who or what is acted upon or addressed, if anyone."),
        _text("location", "Place as the seeds give it (no place the text does not name)."),
        _fk(
            "location_id",
            "actors",
            "The state or organization the place is named by, when the seeds name the place by an actor "
            "('the summit in South Africa', 'its borders with the European Union').",
        ),
        _fk("parent_event_id", "events", "A larger event this one is part of (e.g. the summit)."),
        _text("summary", "One-sentence summary in the curator's words, grounded in the cited spans.", required=True),
        Column("status", "string", "How the seed presents the event.", required=True, vocabulary=STANCES),
    ),
    rules=(
        _DATE_MARKED,
        Rule(
            "distinct",
            "id",
            "parent_event_id",
            "semantic.self_reference",
            "{table}.{second} points at the record itself",
            "An event is not its own parent.",
        ),
    ),
    label="summary",
)

STATEMENTS = Table(
    "statements",
    "Statements",
    "Who said what, when and where; the text is a verbatim span of a seed.",
    (
        _id("statements", "statement"),
        _fk("speaker_id", "actors", "Who said it.", required=True),
        _edtf("date", "When it was said, or a bound such as `2024-10-23/..` (after the interviews); empty when the seeds give neither."),
        _date_basis(),
        _fk("event_id", "events", "The event in which it was said (summit, interview, address), if known."),
        Column("channel", "string", "How it was said.", required=True, vocabulary=CHANNELS),
        Column("mode", "string", "Direct quotation, indirect report, or the author's own voice.", required=True, vocabulary=MODES),
        _text("text", "Verbatim text: equals the quote of one of the statement's citations.", required=True),
        Column("topic", "string", "Main topic.", required=True, vocabulary=TOPICS),
        Column("attribution", "string", "How the seed presents what was said.", required=True, vocabulary=STANCES),
    ),
    rules=(_DATE_MARKED,),
    label="text",
)

MEMBERSHIPS = Table(
    "memberships",
    "Memberships",
    "A spell of an actor's status towards an organization, as the seeds support it.",
    (
        _id("memberships", "membership spell"),
        _fk("member_id", "actors", "The state (or group) whose status this is.", required=True),
        _fk("organization_id", "actors", "The organization.", required=True),
        Column("status", "string", "Status during the spell.", required=True, vocabulary=MEMBERSHIP_STATUSES),
        _edtf("start", "When the spell began; empty when the seeds do not say."),
        _edtf("end", "When the spell ended; empty when it is open or the seeds do not say."),
        _fk("start_event_id", "events", "The event that opened the spell, when the seeds give one."),
        _fk("end_event_id", "events", "The event that closed the spell, when the seeds give one."),
        Column("basis", "string", "How the seed presents the spell.", required=True, vocabulary=STANCES),
    ),
    rules=(
        Rule(
            "ordered",
            "start",
            "end",
            "semantic.date_order",
            "{table}.{second} {second_value!r} lies before {first} {first_value!r}",
            "`end` does not lie before `start` (as EDTF ranges: the end's last day is not before the start's first).",
        ),
        Rule(
            "distinct",
            "member_id",
            "organization_id",
            "semantic.self_reference",
            "member_id and organization_id are the same actor",
            "The member and the organization are different actors.",
        ),
        Rule(
            "requires",
            "end_event_id",
            "end",
            "consistency.spell_open",
            "{table} spell has end_event_id {first_value!r} but no {second}; a spell that an event closes is closed: give its end",
            "A spell with an `end_event_id` has an `end`.",
        ),
    ),
    label="status",
)

# Tables whose records a relation may link (any record but citations and relations).
RELATED_TABLES = ("sources", "actors", "events", "statements", "memberships")


def _related(name: str, description: str) -> Column:
    return Column(
        name,
        "string",
        description,
        required=True,
        pattern=_id_pattern(*(PREFIXES[t] for t in RELATED_TABLES)),
        max_length=80,
        references="*",
        targets=RELATED_TABLES,
    )


RELATIONS = Table(
    "relations",
    "Relations",
    "Two records that refer to the same real-world thing, or whose sources disagree, qualify or contain one "
    "another; cited like any record (for `same_as` and `contradicts`, a span of each side).",
    (
        _id("relations", "relation"),
        Column("kind", "string", "How the subject relates to the object.", required=True, vocabulary=RELATION_KINDS),
        _related("subject_id", "The record the relation is about: a source, actor, event, statement or membership id."),
        _related("object_id", "The record it is related to: a source, actor, event, statement or membership id."),
        _text("note", "The curator's one-sentence explanation, grounded in the cited spans.", required=True),
    ),
    rules=(
        Rule(
            "distinct",
            "subject_id",
            "object_id",
            "semantic.self_reference",
            "{table}.{second} is the same record as {first}",
            "A relation links two different records.",
        ),
    ),
    label="note",
)

CITATIONS = Table(
    "citations",
    "Citations",
    "One exact span of a seed supporting one record: `quote == line_text[char_start:char_end]`, "
    "lines 1-based split on LF only, offsets 0-based Unicode code points, half-open.",
    (
        _id("citations", "citation"),
        Column(
            "record_id",
            "string",
            "The record this span supports: an id from any other table.",
            required=True,
            pattern=_id_pattern(*(p for t, p in PREFIXES.items() if t != "citations")),
            max_length=80,
            references="*",
            targets=tuple(t for t in PREFIXES if t != "citations"),
        ),
        _fk("source_id", "sources", "The seed the span is in.", required=True),
        Column("line", "integer", "1-based line number in the seed (split on LF).", required=True, minimum=1),
        Column("char_start", "integer", "0-based code-point offset where the span starts.", required=True, minimum=0),
        Column("char_end", "integer", "0-based code-point offset where the span ends (exclusive).", required=True, minimum=1),
        _text("quote", "The span's text, verbatim.", required=True),
        Column("role", "string", "What the span does for the record.", required=True, vocabulary=CITATION_ROLES),
    ),
    must_be_cited=False,
    rules=(
        Rule(
            "dates",
            "role",
            "quote",
            "consistency.date_citation",
            "a citation with role {value!r} quotes {second_value}, which states no date: "
            "cite words that state or imply one (a number, a month, e.g. 'On 23 and 24 October', 'a week prior')",
            "A citation with role `date` quotes text that states or implies a date: a digit, a month name "
            "(capitalized) or a temporal word, in any case (" + ", ".join(TEMPORAL_WORDS) + ").",
            value="date",
        ),
    ),
    label="quote",
)

# Tables in the order the row engine reads them: every foreign key points at an earlier
# table (or its own), so that references are judged as rows stream past.
TABLES: tuple[Table, ...] = (SOURCES, ACTORS, EVENTS, STATEMENTS, MEMBERSHIPS, RELATIONS, CITATIONS)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
TABLES_BY_PREFIX: dict[str, Table] = {t.prefix: t for t in TABLES}


def refers_to(col: Column, table: str) -> bool:
    """Whether COL may hold an id of TABLE."""
    return col.references == table or (col.references == "*" and table in col.targets)


def users_of(table: Table) -> list[tuple[Table, Column]]:
    """The columns whose values count as a use of a TABLE record (`unused_code`): every
    foreign key of another table that may point at it, citations aside."""
    return [(t, c) for t in TABLES if t is not table and t is not CITATIONS for c in t.foreign_keys if refers_to(c, table.name)]

LICENSES = (
    {
        "name": "CC-BY-4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "Creative Commons Attribution 4.0 (the curated tables)",
    },
)
CONTRIBUTORS = ({"title": "bri-data curators", "roles": ["creator"]},)
SEED_SOURCES = (
    {
        "title": "Belarus Aims to Become a BRICS Member (Yauheni Preiherman, Eurasia Daily Monitor, 31.10.2024)",
        "path": "seeds/000_dece6ae29ab50339.txt",
    },
    {
        "title": "Untitled report on Lukashenka's interviews at the BRICS+ summit in Kazan",
        "path": "seeds/003_5f8b42ce40194c35.txt",
    },
)


def package_metadata() -> dict[str, Any]:
    """The descriptor's package-level properties (all but `resources`), as `bri-data build`
    writes them and `bri-data validate` requires them."""
    return {
        "$schema": DATAPACKAGE_PROFILE,
        "name": PACKAGE_NAME,
        "id": PACKAGE_ID,
        "title": TITLE,
        "description": DESCRIPTION,
        "version": VERSION,
        "created": CREATED,
        "keywords": ["Belarus", "BRICS", "Kazakhstan", "provenance", "curated"],
        "licenses": [dict(x) for x in LICENSES],
        "contributors": [{**x, "roles": list(x["roles"])} for x in CONTRIBUTORS],
        "sources": [dict(x) for x in SEED_SOURCES],
    }
