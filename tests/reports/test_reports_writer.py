"""The CSV dialect, spreadsheet safety, atomic output and flat memory of the report writer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc
from pathlib import Path
from typing import Iterator

import pytest

from seatledger.reports.csv_safety import neutralise
from seatledger.reports.writer import atomic_file, format_cell, iter_csv, join_cell, write_chunks


def _csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    return b"".join(iter_csv(header, rows))  # type: ignore[arg-type]


@pytest.mark.parametrize("hostile", ["=1+2", "+41 555", "-2+3", "@SUM(A1)", "\tcmd", "\r=cmd"])
def test_a_cell_starting_with_a_formula_character_gets_an_apostrophe(hostile: str) -> None:
    assert neutralise(hostile) == "'" + hostile
    assert _csv_bytes(["a"], [[hostile]]).split(b"\r\n")[1].lstrip(b'"').startswith(b"'")


def test_each_value_of_a_multi_valued_cell_is_neutralised() -> None:
    assert join_cell(["org1:Owner", "=evil:Member"]) == "org1:Owner, '=evil:Member"
    assert join_cell(["=a", "b"]) == "'=a, b"
    assert join_cell([]) == ""


def test_cells_are_formatted_as_github_writes_them() -> None:
    assert format_cell(True) == "true"
    assert format_cell(False) == "false"
    assert format_cell(None) == ""
    assert format_cell(3) == "3"
    assert format_cell(dt.date(2024, 5, 1)) == "2024-05-01"
    assert format_cell(dt.datetime(2024, 5, 1, 12, 30, 5, 999)) == "2024-05-01T12:30:05Z"
    aware = dt.datetime(2024, 5, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert format_cell(aware) == "2024-05-01T12:00:00Z"


def test_commas_quotes_and_newlines_are_quoted_per_rfc_4180_and_records_end_with_crlf() -> None:
    data = _csv_bytes(
        ["login", "name"],
        [["alice", 'Alice "Al" Smith, Jr.'], ["bob", "line one\nline two"], ["zoë", "Zoë Ångström"]],
    )
    assert data == (
        b"login,name\r\n"
        b'alice,"Alice ""Al"" Smith, Jr."\r\n'
        b'bob,"line one\nline two"\r\n' + "zoë,Zoë Ångström\r\n".encode("utf-8")
    )
    assert not data.startswith(b"\xef\xbb\xbf")  # no byte-order mark
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[1] == ["alice", 'Alice "Al" Smith, Jr.']
    assert rows[2] == ["bob", "line one\nline two"]


def test_a_hostile_value_stays_neutralised_after_quoting() -> None:
    data = _csv_bytes(["name"], [['=HYPERLINK("http://evil.test","x")']])
    assert data == b'name\r\n"\'=HYPERLINK(""http://evil.test"",""x"")"\r\n'


def _rows_then_fail(n: int) -> Iterator[list[object]]:
    for i in range(n):
        yield [f"user{i:06d}", "x" * 100]
    raise RuntimeError("the database went away")


def test_a_report_that_fails_midway_leaves_no_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    with pytest.raises(RuntimeError, match="went away"):
        with atomic_file(target) as out:
            write_chunks(iter_csv(["login", "pad"], _rows_then_fail(5000)), out)  # > one chunk written first
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_report_keeps_the_previous_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_bytes(b"old report\r\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_file(target) as out:
            out.write(b"half a new rep")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old report\r\n"
    assert list(tmp_path.iterdir()) == [target]


def test_a_finished_report_is_renamed_into_place(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    with atomic_file(target) as out:
        write_chunks(iter_csv(["login"], [["alice"]]), out)
    assert target.read_bytes() == b"login\r\nalice\r\n"
    assert list(tmp_path.iterdir()) == [target]


def test_progress_hears_the_rows_written() -> None:
    seen: list[int] = []
    b"".join(iter_csv(["n"], ([i] for i in range(2500)), progress=seen.append))
    assert seen == [1000, 2000, 2500]


def test_writing_many_rows_keeps_peak_memory_flat() -> None:
    def rows(n: int) -> Iterator[list[object]]:
        for i in range(n):
            yield [f"user{i:07d}", f"org{i % 50}/repo{i % 997}", dt.date(2024, 5, 1), f"user{i}@example.test"]

    def peak_for(n: int) -> tuple[int, int]:
        sink = io.BytesIO()
        tracemalloc.start()
        try:
            for chunk in iter_csv(["a", "b", "c", "d"], rows(n)):
                sink.write(chunk)
                sink.seek(0)  # keep only the latest chunk: the sink is not what we measure
                sink.truncate()
            return tracemalloc.get_traced_memory()[1], n
        finally:
            tracemalloc.stop()

    # (the ledger-backed 200,000-row report is in test_reports_memory.py, marked slow)
    small, _ = peak_for(2_000)
    large, _ = peak_for(60_000)
    assert large < 2 * 1024 * 1024  # a couple of chunks, not 60,000 rows (~4 MB of CSV)
    assert large < small + 512 * 1024
