"""The Copilot activity report CSV (spec 3.3): one row per seat holder, per org or enterprise.

``report_time`` is the instant the report describes (``--as-of``, else now) in UTC, the same
on every row, so two runs with the same ``as_of`` are byte-identical. ``last_surface_used`` is
a readable name made from the seat's ``last_activity_editor`` (see :func:`surface_name`).
Rows come from :func:`licensing.iter_copilot_seats` ordered by login; at enterprise scope the
engine yields one seat per person, so the row count is the engine's seat total.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterator

from sqlalchemy.engine import Connection

from seatledger.errors import InvalidInput
from seatledger.licensing import Scope, as_of_or_now, copilot_totals, iter_copilot_seats, resolve
from seatledger.reports.writer import Progress, iter_csv

HEADER = ("report_time", "login", "last_authenticated_at", "last_activity_at", "last_surface_used")
SCOPES = ("enterprise", "organization")
UNSPECIFIED = "Unspecified"

# The first segment of an editor string ("vscode/1.89.1/copilot/1.186.0") -> product name.
_EDITORS = {
    "vscode": "VS Code",
    "visualstudio": "Visual Studio",
    "vs": "Visual Studio",
    "neovim": "Neovim",
    "vim": "Vim",
    "xcode": "Xcode",
    "eclipse": "Eclipse",
    "emacs": "Emacs",
    "zed": "Zed",
    "jetbrains": "JetBrains",
    "copilot-chat": "Copilot Chat",
    "copilot_chat": "Copilot Chat",
    "github.com": "GitHub.com",
    "copilot-cli": "Copilot CLI",
    "copilot-pr-review": "Copilot code review",
    "copilot_pr_review": "Copilot code review",
}
# JetBrains reports the IDE by product code, e.g. "JetBrains-IU/241.15989.150".
_JETBRAINS_IDES = {
    "IC": "IntelliJ IDEA",
    "IU": "IntelliJ IDEA",
    "PC": "PyCharm",
    "PY": "PyCharm",
    "GO": "GoLand",
    "WS": "WebStorm",
    "RD": "Rider",
    "CL": "CLion",
    "PS": "PhpStorm",
    "RM": "RubyMine",
    "AI": "Android Studio",
}
_VERSION = re.compile(r"^\d+(\.\d+)*")


def surface_name(editor: str | None) -> str:
    """A readable surface for ``last_activity_editor``.

    ``"vscode/1.89.1/copilot/1.186.0"`` -> ``"VS Code 1.89.1"``, ``"JetBrains-IU/241.1"`` ->
    ``"JetBrains IntelliJ IDEA 241.1"``, ``"copilot-chat"`` -> ``"Copilot Chat"``; no editor ->
    ``"Unspecified"``; an editor this table does not know is written as it came.
    """
    if not editor or not editor.strip():
        return UNSPECIFIED
    raw = editor.strip()
    first, _, rest = raw.partition("/")
    version = rest.split("/", 1)[0] if rest else ""
    version = version if _VERSION.match(version) else ""
    key = first.lower()
    name: str | None
    if key.startswith("jetbrains-"):
        ide = _JETBRAINS_IDES.get(first.split("-", 1)[1].upper())
        name = f"JetBrains {ide}" if ide else "JetBrains"
    else:
        name = _EDITORS.get(key)
    if name is None:
        return raw
    return f"{name} {version}" if version else name


def _check(conn: Connection, scope: Scope) -> None:
    if scope.kind not in SCOPES:
        raise InvalidInput(f"the Copilot activity report is per enterprise or organization, not per {scope.kind}")
    resolve(conn, scope)  # NotFound before any byte is written


def iter_report(
    conn: Connection, scope: Scope, *, as_of: dt.datetime | None = None, progress: Progress | None = None
) -> Iterator[bytes]:
    """The CSV as encoded chunks; the scope is checked now, rows read as chunks are taken."""
    _check(conn, scope)
    report_time = as_of_or_now(as_of)
    rows = (
        (
            report_time,
            seat.login,
            seat.last_authenticated_at,
            seat.last_activity_at,
            surface_name(seat.last_activity_editor),
        )
        for seat in iter_copilot_seats(conn, scope, as_of=report_time)
    )
    return iter_csv(HEADER, rows, progress=progress)


def expected_rows(conn: Connection, scope: Scope, *, as_of: dt.datetime | None = None) -> int:
    """How many rows the report will have (the engine's seat total), for a progress bar."""
    _check(conn, scope)
    return copilot_totals(conn, scope, as_of=as_of_or_now(as_of)).breakdown.total
