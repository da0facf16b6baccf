"""Streaming report output: CSV as GitHub writes it, in chunks, to a file renamed into place.

Rows arrive from a generator (the counting engine streams them from the database); they are
formatted and encoded into chunks of about ``CHUNK_BYTES`` and handed on at once, so memory
stays flat however many rows a report has. The same chunks feed a file, stdout, or an HTTP
streaming response.

CSV dialect: UTF-8 without a byte-order mark, RFC 4180 quoting (a field is quoted when it
holds a comma, a quote or a line break; quotes are doubled), ``\\r\\n`` after every record.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import signal
import tempfile
import threading
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Sequence

from seatledger.errors import InvalidInput
from seatledger.reports.csv_safety import FORMULA_TRIGGERS, NEUTRALISING_PREFIX, neutralise

# How much encoded output to gather before handing it on (a file write, an HTTP chunk).
CHUNK_BYTES = 64 * 1024
# How often the progress callback hears about written rows.
PROGRESS_EVERY = 1000

Cell = str | int | bool | dt.date | dt.datetime | None
Row = Sequence[Cell]
Progress = Callable[[int], None]


def format_timestamp(value: dt.datetime) -> str:
    """An instant as ISO 8601 UTC with a ``Z`` (the ledger stores naive UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def format_cell(value: Cell) -> str:
    """One cell as text: booleans ``true``/``false``, dates ISO, None empty, text neutralised."""
    if type(value) is str:  # most cells: the fast path, same rule as neutralise()
        return NEUTRALISING_PREFIX + value if value.startswith(FORMULA_TRIGGERS) else value
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):  # before date: datetime is a date
        return format_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


def format_money(value: Decimal) -> str:
    """An amount as text: at least two decimals, never an exponent (``21.00``, ``0.6774``)."""
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def join_cell(values: Iterable[str]) -> str:
    """A multi-valued cell the way GitHub writes it: ``org1:Owner, org2:Member``.

    Each value is neutralised on its own as well, so a hostile second value cannot start a
    formula in a spreadsheet that splits the cell on commas.
    """
    return ", ".join(neutralise(v) for v in values)


class _Buffer:
    """A text sink for csv.writer that is drained into encoded chunks."""

    def __init__(self) -> None:
        self._io = io.StringIO()

    def write(self, text: str) -> int:
        return self._io.write(text)

    def size(self) -> int:
        return self._io.tell()

    def drain(self) -> bytes:
        data = self._io.getvalue().encode("utf-8")
        self._io.seek(0)
        self._io.truncate()
        return data


def iter_csv(header: Sequence[str], rows: Iterable[Row], *, progress: Progress | None = None) -> Iterator[bytes]:
    """Encoded CSV chunks: the header, then every row as it arrives."""
    buffer = _Buffer()
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    count = 0
    triggers, prefix, other = FORMULA_TRIGGERS, NEUTRALISING_PREFIX, format_cell
    for row in rows:
        # format_cell's rule, with its common cases (text, empty, booleans) inline: a report
        # formats millions of cells.
        writer.writerow(
            [
                (prefix + c if c.startswith(triggers) else c)
                if type(c) is str
                else ""
                if c is None
                else "true"
                if c is True
                else "false"
                if c is False
                else other(c)
                for c in row
            ]
        )
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        if buffer.size() >= CHUNK_BYTES:
            yield buffer.drain()
    if progress is not None:
        progress(count)
    tail = buffer.drain()
    if tail:
        yield tail


def write_chunks(chunks: Iterable[bytes], out: BinaryIO) -> int:
    """Write every chunk to ``out``; returns the number of bytes written."""
    written = 0
    for chunk in chunks:
        out.write(chunk)
        written += len(chunk)
    out.flush()
    return written


# A temporary report file: ".<name>.<pid>.<mkstemp's 8 characters>.partial" (older versions
# wrote no pid; their files are orphans by now).
_PARTIAL = re.compile(r"^\..+?\.(?:(?P<pid>\d+)\.)?[a-z0-9_]{8}\.partial$")
# Signals that end a report run from a terminal or a supervisor: turned into SystemExit while a
# file is written, so the temporary file is removed on the way out.
_ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process: alive
        return True
    return True


def remove_orphaned_partials(directory: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary report files in ``directory`` whose writer is gone (killed with
    no chance to clean up): they hold people's emails and nothing would ever remove them."""
    removed = []
    for path in Path(directory).glob(".*.partial"):
        match = _PARTIAL.match(path.name)
        if match is None:
            continue
        pid = match.group("pid")
        if pid is not None and (int(pid) == os.getpid() or _process_alive(int(pid))):
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


@contextlib.contextmanager
def _ending_signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise SystemExit in the block (main thread only: elsewhere Python
    cannot set handlers), so ``finally`` clauses run as for Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def end(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, end) for sig in _ENDING_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def check_writable(target: Path) -> None:
    """InvalidInput, before any work, when ``target`` cannot become a file: a directory, or a
    file in a directory that does not exist."""
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InvalidInput(f"{target} is a directory: name the file to write, e.g. {target / 'report.csv'}")
    if not directory.is_dir():
        raise InvalidInput(f"cannot write {target}: the directory {directory} does not exist")


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file that appears at ``path`` only if the block finishes without an error.

    Output goes to a temporary file in the same directory (so the final rename is atomic on
    one filesystem); any exception — including KeyboardInterrupt, and SIGTERM or SIGHUP in the
    main thread — removes it, and an older file at ``path`` is left as it was. Like any
    ``mkstemp`` file it is readable by its owner only, which suits reports full of people's
    emails. A writer killed outright (kill -9) cannot clean up: its temporary file carries its
    pid, and the next report written to that directory removes it.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    check_writable(target)
    remove_orphaned_partials(directory)
    with _ending_signals_raise():
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".partial", dir=directory)
        except OSError as exc:
            raise InvalidInput(f"cannot write {target}: {exc.strerror or exc}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
