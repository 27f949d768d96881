"""The README documents every command and every finding code (sqlite-utils style)."""

from __future__ import annotations

import json
import re

from typer.main import get_command

from bri_data.cli import app
from bri_data.findings import CODES
from fixturekit import ROOT, cli_runner

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented_and_has_help() -> None:
    commands = get_command(app).commands  # type: ignore[attr-defined]
    assert commands
    for name, command in commands.items():
        assert f"`bri-data {name}" in README, f"README does not document `bri-data {name}`"
        assert command.help, f"{name} has no help text"
        assert cli_runner().invoke(app, [name, "--help"]).exit_code == 0


def test_every_finding_code_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| (?:descriptor|rows|keys|provenance|semantics|consistency) \|", README, re.M))
    assert documented == set(CODES)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", setup, re.S)
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    assert "bri-data validate" in blocks[0] and "pytest" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci and "<!-- test-command -->\n```sh\n" + blocks[1] in README


def test_pre_commit_hook_matches_readme_and_package_files() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "bri-data-validate")
    assert hook["entry"] == "bri-data validate" and hook["pass_filenames"] is False
    block = README.split("pre-commit: add to", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    local = yaml.safe_load(block)["repos"][0]["hooks"][0]
    assert local["entry"] == hook["entry"] and local["files"] == hook["files"]
    files = [p.relative_to(ROOT).as_posix() for p in ROOT.glob("data/*.csv")] + ["datapackage.json", "seeds/000_dece6ae29ab50339.txt"]
    assert all(re.search(hook["files"], f) for f in files)
    assert not re.search(hook["files"], "bri_data/cli.py")
    step = README.split("GitHub Actions:", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert "bri-data validate --format github" in step


def test_readme_links_work_on_a_package_index_page() -> None:
    """The wheel's long description is README.md with relative links and images made plain
    text (a package index has no repository files beside it); the README itself shows them."""
    def links(text: str) -> list[str]:
        return re.findall(r"\]\(([^)\s]+)", text) + re.findall(r"""<(?:a|img)\b[^>]*(?:href|src)=["']([^"']+)""", text)

    def relative(text: str) -> list[str]:
        return [t for t in links(text) if not re.match(r"^(https?://|mailto:|#)", t)]

    assert "readme = \"docs/package-index.md\"" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    described = (ROOT / "docs" / "package-index.md").read_text(encoding="utf-8")
    assert relative(README), "the README shows its pictures (else this test proves nothing)"
    assert relative(described) == [], f"relative links in the long description: {relative(described)}"
    for target in relative(README):
        assert (ROOT / target).is_file(), f"README links a missing file: {target}"
        assert f"`{target}`" in described  # named, not dropped


def test_readme_json_example_fits_the_report_schema() -> None:
    from jsonschema import Draft202012Validator

    block = README.split("- `json`: a stable, versioned document:", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    schema = json.loads((ROOT / "docs" / "validate-report.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(json.loads(block))
