"""The documentation keeps up with the code: settings, commands and the public face."""

from __future__ import annotations

import re
from pathlib import Path

import seatledger.licensing as licensing
from seatledger.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_read_in_config_is_documented_in_the_readme() -> None:
    source = (ROOT / "src" / "seatledger" / "config.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"(SEATLEDGER_[A-Z_]+)"', source))
    assert names, "config.py reads no SEATLEDGER_ variable?"
    missing = sorted(n for n in names if n not in README)
    assert missing == []


def test_every_cli_command_group_is_documented_in_the_readme() -> None:
    import typer.main

    command = typer.main.get_command(app)
    groups = sorted(command.commands)  # type: ignore[attr-defined]
    missing = [g for g in groups if f"seatledger {g}" not in README]
    assert missing == []


def test_readme_first_screen_gives_the_two_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:20])
    assert "./run" in first_screen and "./test" in first_screen


def test_the_counting_engine_exports_exactly_what_it_lists() -> None:
    exported = set(licensing.__all__)
    assert len(exported) == len(licensing.__all__), "a name is listed twice"
    for name in exported:
        assert hasattr(licensing, name), name
    public = {n for n in vars(licensing) if not n.startswith("_")} - {
        # submodules are reachable as attributes once imported; they are not the public face
        n for n, v in vars(licensing).items() if type(v).__name__ == "module"
    }
    assert public == exported


def test_readme_is_assembled_from_the_documentation_pages() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "assemble-readme"), "--check"])
    assert proc.returncode == 0, "README.md is stale: run scripts/assemble-readme after editing docs/readme/"
