"""The command line: every command documented and helpful; input errors are one line."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scanner.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, full + " "))
    return found


COMMANDS = _commands(cli)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"'privacyscan {name} --help' needs an example"


@pytest.mark.parametrize("name", [n for n, _ in COMMANDS])
def test_command_is_documented_in_readme(name: str) -> None:
    assert f"privacyscan {name}" in README.read_text("utf-8")


def test_readme_has_exactly_two_setup_commands() -> None:
    text = README.read_text("utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^make \w+", quick, flags=re.M) == ["make scan", "make test"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "file:///etc/passwd"], "only http:// and https:// are allowed"),
        (["scan", "javascript:alert(1)"], "neither a sites file nor an http(s) URL"),
        (["scan", "https://www.example.nl", "--map-host", "nonsense"], "PATTERN=IP"),
        (["scan", "https://www.example.nl", "--trust-cert-spki", "abc"], "base64 SHA-256"),
        (["scan", "http://192.168.1.1/"], "internal address (private)"),
        (["scan", "http://localhost:8080/"], "--allow-private-network"),
        (
            ["scan", "https://127.0.0.1:9000/", "--map-host", "*=127.0.0.1:9001"],
            "internal address (loopback)",
        ),
    ],
)
def test_bad_input_is_a_usage_error(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [*args, "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_scans_on_an_empty_history(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["scans", "--db", str(tmp_path / "h.db")])
    assert result.exit_code == 0
    assert "No scans yet" in result.output


def test_report_without_scans_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--db", str(tmp_path / "h.db")])
    assert result.exit_code == 2
