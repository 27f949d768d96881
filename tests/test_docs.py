"""The README documents every command and every finding code (sqlite-utils style)."""

from __future__ import annotations

import re

from typer.main import get_command
from typer.testing import CliRunner

from bri_data.cli import app
from bri_data.findings import CODES
from fixturekit import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented_and_has_help() -> None:
    commands = get_command(app).commands  # type: ignore[attr-defined]
    assert commands
    for name, command in commands.items():
        assert f"`bri-data {name}" in README, f"README does not document `bri-data {name}`"
        assert command.help, f"{name} has no help text"
        assert CliRunner().invoke(app, [name, "--help"]).exit_code == 0


def test_every_finding_code_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| (?:descriptor|rows|keys|provenance|semantics) \|", README, re.M))
    assert documented == set(CODES)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", setup, re.S)
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    assert "bri-data validate" in blocks[0] and "pytest" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci and "<!-- test-command -->\n```sh\n" + blocks[1] in README
