"""Generate the JSON Schemas and the Data Package descriptor from `contract`.

`package_files(root)` and `doc_files(root)` return what every generated file must
contain; `build(root)` writes them and `drift(root)` lists the ones that differ (a test
fails on drift).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bri_data.build.docs import datasheet_markdown, tables_markdown
from bri_data.build.timeline import svg_for
from bri_data.contract import model as C
from bri_data.contract.schemas import json_schema, table_schema
from bri_data.errors import InvalidPackageError, PackageNotFoundError, UnreadableInputError
from bri_data.files.atomic import write_text
from bri_data.files.limits import MAX_DESCRIPTOR_BYTES
from bri_data.files.paths import Refused, open_member, writable_member
from bri_data.validation.reporters import codes_table, report_schema
from bri_data.validation.run import validate


def _dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def table_facts(root: Path, rel: str) -> tuple[int, str]:
    """(bytes, "sha256:<hex>") of REL inside ROOT, through the path policy."""
    h = hashlib.sha256()
    n = 0
    with open_member(root, rel, "table") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            n += len(chunk)
    return n, f"sha256:{h.hexdigest()}"


def descriptor(root: Path) -> dict[str, Any]:
    resources = []
    for table in C.TABLES:
        res: dict[str, Any] = {
            "name": table.name,
            "type": "table",
            "title": table.title,
            "description": table.description,
            "path": table.path,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
        }
        try:
            res["bytes"], res["hash"] = table_facts(root, table.path)
        except Refused as exc:
            if exc.kind != "missing":  # a missing table: the descriptor says nothing about it
                raise UnreadableInputError(f"{table.path} refused: {exc.reason}") from None
        res["schema"] = table_schema(table)
        resources.append(res)
    return {
        **C.package_metadata(),
        "resources": resources,
    }


def package_files(root: Path) -> dict[str, str]:
    """Relative path -> exact text of the files every package needs: schemas, descriptor."""
    files = {f"schemas/{t.name}.schema.json": _dump(json_schema(t)) for t in C.TABLES}
    files["datapackage.json"] = _dump(descriptor(root))
    return files


# Hand-written files with generated parts: (file, pattern of the part, its text).
CODES_START, CODES_END = "<!-- finding-codes:start -->", "<!-- finding-codes:end -->"


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement that re.sub inserts as is (a plain string would expand backslashes)."""
    return lambda _match: text


def spliced_files(root: Path) -> dict[str, str]:
    """README's finding-code table and CITATION.cff's version, from CODES and the contract.

    Only files that exist are returned (a data-only package has neither).
    """
    parts = {
        "README.md": (re.compile(re.escape(CODES_START) + ".*?" + re.escape(CODES_END), re.S), f"{CODES_START}\n{codes_table()}{CODES_END}"),
        "CITATION.cff": (re.compile(r'^version: .*$', re.M), f'version: "{C.VERSION}"'),
    }
    out = {}
    for rel, (pattern, text) in parts.items():
        try:  # through the path policy: a README.md that is a symlink out of the package is not read
            with open_member(root, rel, "generated") as fh:
                old = fh.read().decode("utf-8")
        except Refused as exc:
            if exc.kind == "missing":
                continue
            raise UnreadableInputError(f"{rel} refused: {exc.reason}") from None
        except UnicodeDecodeError:
            raise UnreadableInputError(f"{rel} is not UTF-8") from None
        out[rel] = pattern.sub(_literal(text), old, count=1)
    return out


_IMAGE = re.compile(r"!\[([^\]]*)\]\((?!https?://)([^)\s]+)\)")
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((?!https?://|mailto:|#)([^)\s]+)\)")


def package_index_readme(readme: str) -> str:
    """README.md as the wheel's long description: a package index page has no repository
    files beside it, so relative images and links become plain text naming the file."""
    text = _IMAGE.sub(lambda m: f"*({m.group(1)}: `{m.group(2)}` in the repository and the sdist)*", readme)
    return _LINK.sub(lambda m: f"{m.group(1)} (`{m.group(2)}`)", text)


def doc_files(root: Path) -> dict[str, str]:
    """The project's generated documentation; DATASHEET and timeline read the (valid) data."""
    return {
        "docs/tables.md": tables_markdown(),
        "docs/validate-report.schema.json": _dump(report_schema()),
        "DATASHEET.md": datasheet_markdown(root),
        "docs/timeline.svg": svg_for(root),
        **spliced_files(root),
        **({"docs/package-index.md": package_index_readme(spliced_files(root)["README.md"])} if (root / "README.md").is_file() else {}),
    }


def _current(root: Path, rel: str) -> bytes | None:
    """A generated file as it is now; None when the path policy refuses it (it is then
    stale; writing refuses a symlink or FIFO in its place with a clear error)."""
    try:
        with open_member(root, rel, "generated") as fh:
            return fh.read(MAX_DESCRIPTOR_BYTES + 1)
    except (Refused, OSError):
        return None


def _stale(root: Path, files: dict[str, str]) -> list[str]:
    return [rel for rel, text in files.items() if _current(root, rel) != text.encode("utf-8")]


@dataclass(frozen=True)
class DriftResult:
    stale: list[str]  # generated files missing or differing from what `build` would write
    docs_skipped: str | None = None  # why the docs could not be judged


def check(root: Path, docs: bool = True) -> DriftResult:
    """What `build --check` reports. Docs are judged only for a valid package (they are
    drawn from the data); otherwise DOCS_SKIPPED says so."""
    require_checkout(root)
    stale = _stale(root, package_files(root))
    if docs:
        try:
            stale += _stale(root, doc_files(root))
        except InvalidPackageError as exc:
            return DriftResult(stale, f"the package has {sum(exc.report.counts.values())} finding(s); run `bri-data validate`")
        except UnreadableInputError:  # the datasheet reads tables and seeds before anything validates them
            report = validate(root)
            if report.valid:
                raise
            return DriftResult(stale, f"the package has {sum(report.counts.values())} finding(s); run `bri-data validate`")
    return DriftResult(stale)


def drift(root: Path, docs: bool = True) -> list[str]:
    """The generated files `check` finds stale."""
    return check(root, docs).stale


def require_checkout(root: Path) -> None:
    """ROOT must be a package checkout (it holds data/); PackageNotFoundError otherwise."""
    try:
        ok = (root / "data").is_dir()
    except (OSError, ValueError) as exc:  # a name too long for the OS, a NUL
        raise PackageNotFoundError(f"{str(root)[:200]!r} cannot be used: {getattr(exc, 'strerror', None) or exc}") from None
    if not ok:
        raise PackageNotFoundError(f"{root} has no data/ folder; run build in the package checkout")
    # build rewrites datapackage.json: never another package's (a Frictionless package has
    # a data/ folder too): one named otherwise that declares none of the contract's tables.
    # One that does not parse (a merge conflict) or a damaged one of ours is rewritten, but
    # only where the contract's tables are.
    if not any((root / t.path).is_file() for t in C.TABLES):
        raise PackageNotFoundError(f"{root} holds none of the bri-data tables ({C.SOURCES.path}, ...); run build in the package checkout")
    try:
        with open_member(root, "datapackage.json", "descriptor") as fh:
            doc = json.loads(fh.read())
    except (Refused, OSError, ValueError, RecursionError):
        return
    resources = doc.get("resources") if isinstance(doc, dict) else None
    paths = {r.get("path") for r in resources if isinstance(r, dict)} if isinstance(resources, list) else set()
    if isinstance(doc, dict) and isinstance(doc.get("name"), str) and doc["name"] != C.PACKAGE_NAME and not paths & {t.path for t in C.TABLES}:
        name = str(doc.get("name"))[:100]
        raise PackageNotFoundError(
            f"{root / 'datapackage.json'} describes another package (name {name!r}, not {C.PACKAGE_NAME!r}); build does not replace it"
        )


@dataclass(frozen=True)
class BuildResult:
    written: list[str]
    docs_skipped: str | None = None  # why the docs were not regenerated


def build(root: Path, docs: bool = True) -> BuildResult:
    """Regenerate schemas and datapackage.json (hashes, bytes), then, if DOCS and the
    package validates, the docs (data dictionary, datasheet, timeline).

    The descriptor is written first so that a curator's next `bri-data validate` sees
    fresh hashes even while the data still has findings.
    """
    require_checkout(root)
    files = package_files(root)
    written = _stale(root, files)
    for rel in written:
        write_text(writable_member(root, rel), files[rel])
    if not docs:
        return BuildResult(written)
    report = validate(root)
    if not report.valid:
        return BuildResult(written, f"the package has {sum(report.counts.values())} finding(s); run `bri-data validate`")
    files = doc_files(root)
    stale = _stale(root, files)
    for rel in stale:
        write_text(writable_member(root, rel), files[rel])
    return BuildResult(written + stale)
