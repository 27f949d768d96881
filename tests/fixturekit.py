"""Build a broken copy of the shipped package from a fixture folder's `case.json`.

A case says how to damage a fresh copy (edits), whether to refresh the descriptor's
bytes/hash afterwards (so that the specific check, not the hash, must catch the edit),
and which finding codes and exit code must result. Edits address CSV cells by table,
row and column, so cases stay valid as the curated data grows.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bri_data.build.generate import table_facts
from bri_data.files.paths import Refused

# Re-exported for the tests: Python 3.10 has no tomllib (its backport is in the test extra).
if sys.version_info >= (3, 11):
    import tomllib as tomllib
else:
    import tomli as tomllib  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_PARTS = ("datapackage.json", "data", "schemas", "seeds", "docs", "DATASHEET.md")
INVALID = Path(__file__).resolve().parent / "fixtures" / "invalid"
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
# Content of the file outside the package that hostile cases point at: it must never be
# printed, hashed into a descriptor or exported.
SECRET = "SECRET-OUTSIDE-THE-PACKAGE"


class CannotBuild(Exception):
    """The case needs an OS feature this machine does not allow (e.g. mknod)."""


def copy_package(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for part in PACKAGE_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        else:
            shutil.copy2(src, dest / part)
    return dest


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def _row_index(rows: list[list[str]], edit: dict[str, Any]) -> int:
    if "id" in edit:
        return next(i for i, r in enumerate(rows) if r and r[0] == edit["id"])
    return int(edit.get("row", 1))


def _table(pkg: Path, edit: dict[str, Any]) -> Path:
    return pkg / "data" / f"{edit['table']}.csv"


def _file(pkg: Path, edit: dict[str, Any]) -> Path:
    return pkg / edit["file"]


def set_cell(pkg: Path, edit: dict[str, Any]) -> None:
    """{"table", "row" | "id", "column", "value"[, "repeat"]}"""
    rows = _read_csv(_table(pkg, edit))
    rows[_row_index(rows, edit)][rows[0].index(edit["column"])] = edit["value"] * int(edit.get("repeat", 1))
    _write_csv(_table(pkg, edit), rows)


def copy_cell(pkg: Path, edit: dict[str, Any]) -> None:
    """{"table", "column", "from_row", "to_row"}: e.g. duplicate an id."""
    rows = _read_csv(_table(pkg, edit))
    col = rows[0].index(edit["column"])
    rows[int(edit["to_row"])][col] = rows[int(edit["from_row"])][col]
    _write_csv(_table(pkg, edit), rows)


def append_row(pkg: Path, edit: dict[str, Any]) -> None:
    """{"table", "values": {column: value}}"""
    rows = _read_csv(_table(pkg, edit))
    rows.append([edit["values"].get(c, "") for c in rows[0]])
    _write_csv(_table(pkg, edit), rows)


def clone_row(pkg: Path, edit: dict[str, Any]) -> None:
    """{"table", "row" | "id", "values": {column: value}}: a changed copy of a row, appended."""
    rows = _read_csv(_table(pkg, edit))
    new = list(rows[_row_index(rows, edit)])
    for col, value in edit["values"].items():
        new[rows[0].index(col)] = value
    rows.append(new)
    _write_csv(_table(pkg, edit), rows)


def drop_column(pkg: Path, edit: dict[str, Any]) -> None:
    rows = _read_csv(_table(pkg, edit))
    i = rows[0].index(edit["column"])
    _write_csv(_table(pkg, edit), [r[:i] + r[i + 1 :] for r in rows])


def add_column(pkg: Path, edit: dict[str, Any]) -> None:
    rows = _read_csv(_table(pkg, edit))
    _write_csv(_table(pkg, edit), [rows[0] + [edit["column"]]] + [[*r, edit.get("value", "")] for r in rows[1:]])


def crlf(pkg: Path, edit: dict[str, Any]) -> None:
    _file(pkg, edit).write_bytes(_file(pkg, edit).read_bytes().replace(b"\n", b"\r\n"))


def bom(pkg: Path, edit: dict[str, Any]) -> None:
    _file(pkg, edit).write_bytes(b"\xef\xbb\xbf" + _file(pkg, edit).read_bytes())


def append_text(pkg: Path, edit: dict[str, Any]) -> None:
    _file(pkg, edit).write_bytes(_file(pkg, edit).read_bytes() + edit["text"].encode("utf-8"))


def truncate(pkg: Path, edit: dict[str, Any]) -> None:
    """Keep the first `lines` lines of a file."""
    lines = _file(pkg, edit).read_bytes().split(b"\n")
    _file(pkg, edit).write_bytes(b"\n".join(lines[: edit["lines"]]) + (b"\n" if edit["lines"] else b""))


def replace_bytes(pkg: Path, edit: dict[str, Any]) -> None:
    """{"file", "find", "replace"}: first occurrence; `replace` is latin-1 text (any byte)."""
    data = _file(pkg, edit).read_bytes()
    find = edit["find"].encode("utf-8")
    assert find in data, f"fixture edit: {edit['find']!r} not in {edit['file']}"
    _file(pkg, edit).write_bytes(data.replace(find, edit["replace"].encode("latin-1"), 1))


def write(pkg: Path, edit: dict[str, Any]) -> None:
    _file(pkg, edit).write_text(edit["text"], encoding="utf-8", newline="")


def delete(pkg: Path, edit: dict[str, Any]) -> None:
    _file(pkg, edit).unlink()


def symlink_outside(pkg: Path, edit: dict[str, Any]) -> None:
    """Replace FILE with a symlink to a copy of it outside the package."""
    path = _file(pkg, edit)
    outside = pkg.parent / f"outside-{path.name}"
    shutil.copy2(path, outside)
    path.unlink()
    os.symlink(outside, path)


def fifo(pkg: Path, edit: dict[str, Any]) -> None:
    """Replace FILE with a named pipe: reading it would block forever."""
    _file(pkg, edit).unlink()
    os.mkfifo(_file(pkg, edit))


def chardev(pkg: Path, edit: dict[str, Any]) -> None:
    """Replace FILE with the null device node (needs root)."""
    _file(pkg, edit).unlink()
    try:
        os.mknod(_file(pkg, edit), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError as exc:
        raise CannotBuild(f"mknod: {exc.strerror}") from None


def symlink_secret(pkg: Path, edit: dict[str, Any]) -> None:
    """Replace FILE with a symlink to a file outside the package."""
    _file(pkg, edit).unlink()
    os.symlink(_secret(pkg), _file(pkg, edit))


def symlink_loop(pkg: Path, edit: dict[str, Any]) -> None:
    path = _file(pkg, edit)
    path.unlink()
    os.symlink(path.name, path)


def write_repeat(pkg: Path, edit: dict[str, Any]) -> None:
    """{"file", "prefix", "middle", "repeat", "suffix"}: large generated text."""
    text = edit.get("prefix", "") + edit["middle"] * int(edit["repeat"]) + edit.get("suffix", "")
    _file(pkg, edit).write_text(text, encoding="utf-8", newline="")


def replace_text(pkg: Path, edit: dict[str, Any]) -> None:
    """{"file", "find", "replace"[, "then", "repeat"]}: first occurrence, UTF-8 text."""
    text = _file(pkg, edit).read_text(encoding="utf-8")
    assert edit["find"] in text, f"fixture edit: {edit['find']!r} not in {edit['file']}"
    new = edit["replace"].replace("{SECRET_PATH}", str(_secret(pkg))) + edit.get("then", "") * int(edit.get("repeat", 0))
    _file(pkg, edit).write_text(text.replace(edit["find"], new, 1), encoding="utf-8", newline="")


def descriptor(pkg: Path, edit: dict[str, Any]) -> None:
    """{"path": [keys...], "value": ...} sets a value; {"remove": [keys...]} deletes one."""
    desc_path = pkg / "datapackage.json"
    desc = json.loads(desc_path.read_text(encoding="utf-8"))
    keys = edit.get("path") or edit["remove"]
    node = desc
    for k in keys[:-1]:
        node = node[k]
    if "remove" in edit:
        del node[keys[-1]]
    else:
        node[keys[-1]] = edit["value"]
    desc_path.write_text(json.dumps(desc, indent=2), encoding="utf-8")


OPS: dict[str, Callable[[Path, dict[str, Any]], None]] = {
    f.__name__: f
    for f in (set_cell, copy_cell, append_row, clone_row, drop_column, add_column, crlf, bom, append_text, truncate,
              replace_bytes, write, delete, symlink_outside, fifo, chardev, symlink_secret, symlink_loop, write_repeat,
              replace_text, descriptor)
}


def apply_edit(pkg: Path, edit: dict[str, Any]) -> None:
    if edit["op"] not in OPS:
        raise ValueError(f"unknown fixture op {edit['op']!r}")
    OPS[edit["op"]](pkg, edit)


def resolve_line(pkg: Path, file: str | None, line: int | str | None) -> int | None:
    """A case's expected line: a number, "last" (the file's last line) or "id:ID" (the
    line whose first cell is ID), so that cases survive rows added to the data."""
    if not isinstance(line, str):
        return line
    lines = (pkg / str(file)).read_bytes().rstrip(b"\n").split(b"\n")
    if line == "last":
        return len(lines)
    rid = line.removeprefix("id:").encode("utf-8")
    return next(i for i, raw in enumerate(lines, 1) if raw.split(b",", 1)[0] == rid)


def expected_findings(spec: dict[str, Any]) -> list[tuple[str, str | None, int | None, str | None]]:
    pkg = spec["package"]
    return [(f["code"], f["file"], resolve_line(pkg, f["file"], f["line"]), f["field"]) for f in spec["expect"]["findings"]]


def expected_codes(spec: dict[str, Any]) -> list[str]:
    return sorted({f["code"] for f in spec["expect"]["findings"]})


def _secret(pkg: Path) -> Path:
    secret = pkg.parent / "outside.txt"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    return secret


def refresh_hashes(pkg: Path) -> None:
    """Make bytes/hash agree with the (edited) files, as a careless `build` would."""
    desc_path = pkg / "datapackage.json"
    desc = json.loads(desc_path.read_text(encoding="utf-8"))
    for res in desc.get("resources", []):
        path = pkg / str(res.get("path"))
        if isinstance(res.get("path"), str) and "\x00" not in res["path"] and len(res["path"]) < 200 and path.is_file() and not path.is_symlink():
            with contextlib.suppress(Refused):  # a file the path policy refuses keeps its old facts
                res["bytes"], res["hash"] = table_facts(pkg, res["path"])
    desc_path.write_text(json.dumps(desc, indent=2), encoding="utf-8")


def hostile_cases() -> list[Path]:
    return sorted(p.parent for p in HOSTILE.glob("*/case.json"))


def build_case(case_dir: Path, dest: Path) -> dict[str, Any]:
    spec = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
    pkg = copy_package(dest / "pkg")
    for edit in spec.get("edits", []):
        apply_edit(pkg, edit)
    if spec.get("refresh_hashes", True):
        refresh_hashes(pkg)
    spec["package"] = pkg
    return spec


def cases() -> list[Path]:
    return sorted(p.parent for p in INVALID.glob("*/case.json"))


def cli_runner() -> Any:
    """A CliRunner that keeps stderr apart on every supported click (8.2 always does;
    older ones only when asked)."""
    from typer.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()
