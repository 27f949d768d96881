"""Build a broken copy of the shipped package from a fixture folder's `case.json`.

A case says how to damage a fresh copy (edits), whether to refresh the descriptor's
bytes/hash afterwards (so that the specific check, not the hash, must catch the edit),
and which finding codes and exit code must result. Edits address CSV cells by table,
row and column, so cases stay valid as the curated data grows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

from bri_data.build.generate import file_facts

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


def apply_edit(pkg: Path, edit: dict[str, Any]) -> None:
    op = edit["op"]
    if op == "set_cell":  # {"table", "row" | "id", "column", "value"}
        path = pkg / "data" / f"{edit['table']}.csv"
        rows = _read_csv(path)
        value = edit["value"]
        if "repeat" in edit:
            value = value * int(edit["repeat"])
        rows[_row_index(rows, edit)][rows[0].index(edit["column"])] = value
        _write_csv(path, rows)
    elif op == "copy_cell":  # copy a cell from one row to another (e.g. duplicate an id)
        path = pkg / "data" / f"{edit['table']}.csv"
        rows = _read_csv(path)
        col = rows[0].index(edit["column"])
        rows[int(edit["to_row"])][col] = rows[int(edit["from_row"])][col]
        _write_csv(path, rows)
    elif op == "append_row":  # {"table", "values": {column: value}}
        path = pkg / "data" / f"{edit['table']}.csv"
        rows = _read_csv(path)
        rows.append([edit["values"].get(c, "") for c in rows[0]])
        _write_csv(path, rows)
    elif op == "clone_row":  # {"table", "row" | "id", "values": {column: value}}: a copy of a row, changed
        path = pkg / "data" / f"{edit['table']}.csv"
        rows = _read_csv(path)
        new = list(rows[_row_index(rows, edit)])
        for col, value in edit["values"].items():
            new[rows[0].index(col)] = value
        rows.append(new)
        _write_csv(path, rows)
    elif op in ("drop_column", "add_column"):  # {"table", "column"[, "value"]}
        path = pkg / "data" / f"{edit['table']}.csv"
        rows = _read_csv(path)
        if op == "drop_column":
            i = rows[0].index(edit["column"])
            rows = [r[:i] + r[i + 1 :] for r in rows]
        else:
            rows = [rows[0] + [edit["column"]]] + [r + [edit.get("value", "")] for r in rows[1:]]
        _write_csv(path, rows)
    elif op == "crlf":
        path = pkg / edit["file"]
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    elif op == "bom":
        path = pkg / edit["file"]
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    elif op == "append_text":
        path = pkg / edit["file"]
        path.write_bytes(path.read_bytes() + edit["text"].encode("utf-8"))
    elif op == "truncate":  # keep the first `lines` lines of a file
        path = pkg / edit["file"]
        lines = path.read_bytes().split(b"\n")
        path.write_bytes(b"\n".join(lines[: edit["lines"]]) + (b"\n" if edit["lines"] else b""))
    elif op == "replace_bytes":  # {"file", "find", "replace"} as latin-1 escaped text, first occurrence
        path = pkg / edit["file"]
        data = path.read_bytes()
        find = edit["find"].encode("utf-8")
        assert find in data, f"fixture edit: {edit['find']!r} not in {edit['file']}"
        path.write_bytes(data.replace(find, edit["replace"].encode("latin-1"), 1))
    elif op == "write":  # {"file", "text"}
        (pkg / edit["file"]).write_text(edit["text"], encoding="utf-8", newline="")
    elif op == "delete":
        (pkg / edit["file"]).unlink()
    elif op == "symlink_outside":  # replace FILE with a symlink to a copy outside the package
        path = pkg / edit["file"]
        outside = pkg.parent / f"outside-{path.name}"
        shutil.copy2(path, outside)
        path.unlink()
        os.symlink(outside, path)
    elif op == "fifo":  # replace FILE with a named pipe: reading it would block forever
        path = pkg / edit["file"]
        path.unlink()
        os.mkfifo(path)
    elif op == "chardev":  # replace FILE with the null device node (needs root)
        path = pkg / edit["file"]
        path.unlink()
        try:
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except OSError as exc:
            raise CannotBuild(f"mknod: {exc.strerror}") from None
    elif op == "symlink_secret":  # replace FILE with a symlink to a file outside the package
        path = pkg / edit["file"]
        path.unlink()
        os.symlink(_secret(pkg), path)
    elif op == "symlink_loop":
        path = pkg / edit["file"]
        path.unlink()
        os.symlink(path.name, path)
    elif op == "write_repeat":  # {"file", "prefix", "middle", "repeat", "suffix"}: large generated text
        text = edit.get("prefix", "") + edit["middle"] * int(edit["repeat"]) + edit.get("suffix", "")
        (pkg / edit["file"]).write_text(text, encoding="utf-8", newline="")
    elif op == "replace_text":  # {"file", "find", "replace"[, "then", "repeat"]}: first occurrence, UTF-8 text
        path = pkg / edit["file"]
        text = path.read_text(encoding="utf-8")
        assert edit["find"] in text, f"fixture edit: {edit['find']!r} not in {edit['file']}"
        new = edit["replace"].replace("{SECRET_PATH}", str(_secret(pkg))) + edit.get("then", "") * int(edit.get("repeat", 0))
        path.write_text(text.replace(edit["find"], new, 1), encoding="utf-8", newline="")
    elif op == "descriptor":  # {"path": [keys...], "value": ...} or {"remove": [keys...]}
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
    else:
        raise ValueError(f"unknown fixture op {op!r}")


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
            res["bytes"], res["hash"] = file_facts(path)
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
