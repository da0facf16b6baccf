"""The documentation keeps up with the code: settings, commands, links and the public face.

README.md is the short first page; everything else is in docs/*.md, which it links to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

import seatledger.licensing as licensing
from seatledger.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {p: p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}
EVERYTHING = "\n".join(PAGES.values())
CLI = typer.main.get_command(app)
# Fenced blocks in these languages are output or data, not commands to type.
NOT_SHELL = {"text", "json", "python", "yaml"}


def _command_lines(text: str) -> list[str]:
    """Every ``seatledger …`` command of a page: shell lines in fenced blocks (joined across a
    trailing backslash) and inline code spans."""
    found: list[str] = []
    fence: str | None = None
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = None if fence is not None else line.strip()[3:]
        elif fence is not None:
            if fence not in NOT_SHELL and (pending or re.match(r"\s*(\.venv/bin/)?seatledger\s", line)):
                pending += " " + line.rstrip().removesuffix("\\")
                if not line.rstrip().endswith("\\"):
                    found.append(pending.strip())
                    pending = ""
        else:
            found += re.findall(r"`((?:\.venv/bin/)?seatledger\s[^`]*)`", line)
    return found


def _problem(command_line: str) -> str | None:
    """Why ``command_line`` is not a command of the CLI with options it takes, or None."""
    words = command_line.split("#")[0].split()[1:]
    command, path = CLI, []
    while hasattr(command, "commands") and words and words[0] in command.commands:
        path.append(words[0])
        command = command.commands[words.pop(0)]
    if hasattr(command, "commands") and words and not words[0].startswith("-"):
        return f"no command {' '.join(path + words[:1])!r}"
    options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
    unknown = [o for o in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", " ".join(words)) if o not in options]
    return f"{' '.join(path)} takes no {unknown}" if unknown else None


def test_readme_is_a_short_first_page_that_gives_the_two_commands() -> None:
    assert len(README.splitlines()) <= 200
    first_screen = "\n".join(README.splitlines()[:20])
    assert "./run" in first_screen and "./test" in first_screen


def test_every_link_to_a_file_in_the_documentation_resolves() -> None:
    broken = []
    for page, text in PAGES.items():
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            path = target.split("#")[0]
            if path and not re.match(r"[a-z]+:", path) and not (page.parent / path).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_the_readme_links_every_documentation_page() -> None:
    linked = {(ROOT / t).resolve() for t in re.findall(r"\]\((docs/[^)#\s]+\.md)", README)}
    assert set((ROOT / "docs").glob("*.md")) - linked == set()


def test_every_setting_read_in_config_is_documented_in_the_configuration_page() -> None:
    source = (ROOT / "src" / "seatledger" / "config.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"(SEATLEDGER_[A-Z_]+)"', source))
    assert names, "config.py reads no SEATLEDGER_ variable?"
    page = PAGES[ROOT / "docs" / "configuration.md"]
    assert sorted(n for n in names if n not in page) == []


def test_every_cli_command_group_is_documented() -> None:
    assert [g for g in sorted(CLI.commands) if f"seatledger {g}" not in EVERYTHING] == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("page", sorted(PAGES), ids=lambda p: p.name)
def test_every_command_in_the_documentation_is_a_command_with_options_it_takes(page: Path) -> None:
    commands = _command_lines(PAGES[page])
    assert [(c, why) for c in commands if (why := _problem(c))] == []


def test_the_command_check_catches_a_wrong_command_or_option() -> None:
    assert _problem("seatledger summary --enterprise acme --json") is None
    assert _problem("seatledger report license-usage --enterprise acme -o usage.csv") is None
    assert _problem("seatledger --version") is None
    assert _problem("seatledger sumary --enterprise acme") is not None
    assert _problem("seatledger report usage-of-nothing") is not None
    assert _problem("seatledger summary --enterprize acme") is not None


def test_the_counting_engine_exports_exactly_what_it_lists() -> None:
    exported = set(licensing.__all__)
    assert len(exported) == len(licensing.__all__), "a name is listed twice"
    for name in exported:
        assert hasattr(licensing, name), name
    public = {n for n in vars(licensing) if not n.startswith("_")} - {
        # submodules are reachable as attributes once imported; they are not the public face
        n
        for n, v in vars(licensing).items()
        if type(v).__name__ == "module"
    }
    assert public == exported
