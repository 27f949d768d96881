"""The row engine's reader (`files.csvtable`): blocks read at once must give exactly what
reading line by line gives (rows, line numbers, findings, size and hash), wherever a
block boundary falls and whatever problem lies after the first block."""

from __future__ import annotations

import hashlib
import io
import random
import re
from typing import Any

import pytest

from bri_data.contract import model as C
from bri_data.contract.cells import CONTROL_PATTERN, controls_only_line_breaks
from bri_data.files import csvtable
from bri_data.files.csvtable import FileFacts, read_table
from bri_data.findings import Report

TABLE = C.RELATIONS  # id, kind, subject_id, object_id, note
HEADER = b"id,kind,subject_id,object_id,note\n"


def _row(i: int, note: str = "a note") -> bytes:
    return f"rel-r{i},qualifies,mem-a{i},mem-b{i},{note}\n".encode()


def _read(data: bytes, block: int, monkeypatch: pytest.MonkeyPatch, limit: int | None = None) -> tuple[Any, ...]:
    monkeypatch.setattr(csvtable, "BLOCK", block)
    if limit is not None:
        monkeypatch.setattr(csvtable, "MAX_ROW_BYTES", limit)
    report, facts = Report("p"), FileFacts()
    rows = [(r.line, r.values, r.record_id, r.intact, r.plain) for r in read_table(io.BytesIO(data), "f.csv", TABLE, report, facts)]
    found = [(f.code, f.line, f.message) for f in report.sorted_findings()]
    return rows, found, (facts.bytes, facts.sha256, facts.complete, facts.rows, facts.columns)


def _same_at_every_block(data: bytes, monkeypatch: pytest.MonkeyPatch, limit: int | None = None) -> tuple[Any, ...]:
    """The reading of DATA, the same with blocks of 1 byte (a line each), a few bytes, and one block."""
    want = _read(data, 1, monkeypatch, limit)
    for block in (2, 3, 5, 8, 13, 64, 100, 1 << 20):
        rows, found, facts = _read(data, block, monkeypatch, limit)
        assert found == want[1], block
        assert facts == want[2], block
        # `plain` only says a search may be skipped: the values and lines are the same.
        assert [r[:4] for r in rows] == [r[:4] for r in want[0]], block
    assert want[2][:2] == (len(data), hashlib.sha256(data).hexdigest())
    return want


def test_control_bytes_agree_with_the_pattern() -> None:
    """Every code point up to U+FFFF and a sample above, alone and in a line: the byte test
    sees a control character exactly where CONTROL_PATTERN does (LF aside)."""
    pattern = re.compile(CONTROL_PATTERN)
    rng = random.Random(5)
    points = list(range(0x10000)) + rng.sample(range(0x10000, 0x110000), 2000)
    for cp in points:
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            continue  # no UTF-8 form
        data = f"a,{ch}b\n".encode()
        assert controls_only_line_breaks(data) == (ch == "\n" or pattern.search(ch) is None), hex(cp)


def test_a_quoted_line_break_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    data = HEADER + _row(1) + b'rel-r2,qualifies,mem-a,mem-b,"two\nlines, ""quoted"""\n' + _row(3) * 3
    rows, found, facts = _same_at_every_block(data, monkeypatch)
    assert [r[0] for r in rows] == [2, 3, 5, 6, 7]
    assert rows[1][1]["note"] == 'two\nlines, "quoted"'
    assert ("row.control_character" not in [f[0] for f in found])  # the reader finds none; check_row does
    assert [r[4] for r in rows] == [True, False, True, True, True]  # the two-line record is searched
    assert facts[2:4] == (True, 5)


@pytest.mark.parametrize(
    ("bad", "code", "detail"),
    [
        (b"x\r\n", "file.line_ending", "CR/CRLF"),
        (b"x\ry", "file.line_ending", "CR/CRLF"),
        (b"ab\xffcd", "file.encoding", "at byte 49 of the line (b'\\xffcd"),
        (b"a\x00b", "file.nul", "at byte 48 of the line"),
    ],
)
def test_a_problem_after_the_first_block(bad: bytes, code: str, detail: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Line 2000 of a file larger than several blocks: the finding names that line, as
    reading line by line does."""
    lines = [HEADER] + [_row(i) for i in range(2, 3000)]
    lines[1999] = lines[1999].rstrip(b"\n") + bad + (b"" if bad.endswith(b"\n") else b"\n")
    data = b"".join(lines)
    rows, found, facts = _read(data, 4096, monkeypatch)
    assert [(c, n) for c, n, _ in found] == [(code, 2000)]
    assert detail in found[0][2]
    assert facts[:3] == (len(data), hashlib.sha256(data).hexdigest(), True)
    assert [r[0] for r in rows] == list(range(2, 3000))
    assert not rows[1998][4]  # the line's block went line by line: no row of it is taken as plain
    assert rows[0][4] and rows[-1][4]
    whole = _read(data, 1 << 20, monkeypatch)  # one block, with the problem: line by line
    assert whole[1:] == (found, facts) and [r[:4] for r in whole[0]] == [r[:4] for r in rows]
    assert not any(r[4] for r in whole[0])


def test_a_bom_and_other_line_breaks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A BOM, and characters that str.splitlines breaks at but csv does not: one line each."""
    data = b"\xef\xbb\xbf" + HEADER + "rel-r1,qualifies,mem-a,mem-b,ls\u2028ps\u2029nel\x85vt\x0bend\n".encode() + _row(2)
    rows, found, _ = _same_at_every_block(data, monkeypatch)
    assert [r[0] for r in rows] == [2, 3]
    assert rows[0][1]["note"] == "ls\u2028ps\u2029nel\x85vt\x0bend"
    assert not rows[0][4]  # NEL and VT are control characters: check_row searches this row
    assert [(c, n) for c, n, _ in found] == [("file.bom", 1)]


@pytest.mark.parametrize("before", [38, 39, 40, 41, 42])
def test_a_record_too_large_after_the_first_block(before: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a limit of 300 bytes: a long line, and a quoted record whose lines are short
    but together too long, both after the first block (BEFORE rows move where blocks
    end); the finding names the record's first line, the hash covers the whole file."""
    head = HEADER + b"".join(_row(i) for i in range(2, before + 2))
    first = before + 2
    long_line = b"rel-long,qualifies,mem-a,mem-b," + b"x" * 400 + b"\n"
    _, found, facts = _same_at_every_block(head + long_line + _row(99), monkeypatch, limit=300)
    assert [(c, n) for c, n, _ in found] == [("file.too_large", first)]
    assert facts[2:4] == (False, before)
    many = b'rel-many,qualifies,mem-a,mem-b,"' + b"line\n" * 54 + b'"\n'  # 304 bytes
    rows, found, facts = _same_at_every_block(head + many + _row(99), monkeypatch, limit=300)
    assert [(c, n) for c, n, _ in found] == [("file.too_large", first)]
    # At the limit, the same record is read whole, whatever the blocks.
    fits = b'rel-fits,qualifies,mem-a,mem-b,"' + b"line\n" * 53 + b'"\n'  # 299 bytes
    rows, found, facts = _same_at_every_block(head + fits + _row(99) + fits, monkeypatch, limit=300)
    assert found == [] and facts[2:4] == (True, before + 3) and rows[-1][0] == first + 55


def test_a_line_far_beyond_the_limit_is_not_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    data = HEADER + _row(2) + b"y" * 5000 + b"\n" + _row(4)
    rows, found, facts = _same_at_every_block(data, monkeypatch, limit=300)
    assert [r[0] for r in rows] == [2] and [(c, n) for c, n, _ in found] == [("file.too_large", 3)]
    # Parsing stops once the line alone is over the limit, not at its end: what was read
    # before the rest is only hashed (`drain`) stays within the limit and a block.
    read: list[int] = []
    drain = csvtable._Lines.drain

    def counted(self: Any) -> None:
        read.append(self.bytes)
        drain(self)

    monkeypatch.setattr(csvtable._Lines, "drain", counted)
    assert _read(data, 64, monkeypatch, limit=300)[2] == facts
    assert read and read[0] <= len(HEADER + _row(2)) + 300 + 2 * 64


def test_random_damage_reads_the_same_at_every_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Problems anywhere: every block size reads what one-line blocks read."""
    rng = random.Random(14)
    inserts = [b'"', b",", b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xe2\x80", b"\xc2\x85", b"\x1b", b"\t", b'"q\nq"', b"\xe2\x80\xa8", b"x" * 200]
    base = HEADER + b"".join(_row(i) for i in range(2, 60))
    for _ in range(60):
        data = base
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data))
            data = data[:i] + rng.choice(inserts) + data[i:]
        _same_at_every_block(data, monkeypatch, limit=rng.choice([None, 250]))


def _byte_findings(data: bytes) -> list[tuple[str, int, str | None, str | None]]:
    report = Report("p")
    list(read_table(io.BytesIO(data), "f.csv", TABLE, report, FileFacts()))
    return [(f.code, f.line, f.field, f.record_id) for f in report.findings]


@pytest.mark.parametrize(
    ("bad", "code", "field"),
    [
        (b"rel-r1,qualifies,mem-a1,mem-b1,a n\x00ote\n", "file.nul", "note"),
        (b"rel-r1,qualifies,m\x00em-a1,mem-b1,a note\n", "file.nul", "subject_id"),
        # Multibyte text before the bad byte: the position is counted in characters.
        ("rel-r1,qualifies,mem-a1,mem-b1,“Ünïcode” ".encode() + b"\xff\n", "file.encoding", "note"),
        ('rel-r1,"qual, \ufffe",mem-a1,mem-b1,x'.encode() + b"\xfe\n", "file.encoding", "note"),  # a mark-like character in the line
        (b"rel-r1,qualifies,mem-a1,\"mem-b1\xc3\",a note\n", "file.encoding", "object_id"),
        (b"rel-r1,qualifies\r,mem-a1,mem-b1,a n\x00ote\n", "file.nul", "note"),  # a CR removed before it
    ],
)
def test_a_byte_finding_names_its_record_and_field(bad: bytes, code: str, field: str) -> None:
    got = _byte_findings(HEADER + _row(0) + bad + _row(2))
    assert (code, 3, field, "rel-r1") in got, got


def test_a_byte_finding_comes_before_the_rows_own_findings_and_outside_a_record_names_none() -> None:
    # On the header: no record. In a record of two lines: the record, no field.
    got = _byte_findings(b"id,kind,sub\x00ject_id,object_id,note\n" + _row(0))
    assert got[0] == ("file.nul", 1, None, None), got
    got = _byte_findings(HEADER + b'rel-r1,qualifies,mem-a1,mem-b1,"two\nli\x00nes"\n' + _row(2))
    assert ("file.nul", 3, None, "rel-r1") in got, got
    # A ragged row: the record, no field (its cells do not line up with the header), and first.
    got = _byte_findings(HEADER + b"rel-r1,qualifies,mem-a1,a n\x00ote\n")
    assert [g[0] for g in got][:2] == ["file.nul", "csv.ragged_row"] and got[0] == ("file.nul", 2, None, "rel-r1"), got
    # Where parsing stops, the finding is kept, before the parse error.
    got = _byte_findings(HEADER + b'rel-r1,qualifies,mem-a1,mem-b1,"a n\x00ote"y\n')
    assert [g[0] for g in got] == ["file.nul", "csv.malformed"] and got[0][3] is None, got


def test_a_line_holding_every_noncharacter_still_names_its_field() -> None:
    """The marker that finds the field is a lone surrogate, which no decoded line holds: a
    line with U+FFFE, U+FFFF, U+10FFFE and U+10FFFF (valid UTF-8) cannot exhaust it."""
    line = "rel-r1,qualifies,mem-a1,mem-b1,\ufffe\uffff\U0010fffe\U0010ffff a n".encode() + b"\x00ote\n"
    assert ("file.nul", 3, "note", "rel-r1") in _byte_findings(HEADER + _row(0) + line)
