"""What an import did, in one line: counts per kind and outcome, rejections, and whether it
wrote anything at all."""

from __future__ import annotations

from seatledger.ingest.report import ImportReport, Rejection


def test_the_summary_names_each_outcome_by_kind_and_the_rejections() -> None:
    report = ImportReport("people CSV")
    report.count("user", "created", 2)
    report.count("commit", "created", 40)
    report.count("repository", "updated")
    report.count("user", "unchanged", 0)  # nothing counted: not shown
    report.reject("line 7", "no login")
    assert report.summary() == "people CSV: created 40 commit, 2 user; updated 1 repository; rejected 1"
    assert report.changed and report.rejected == [Rejection("line 7", "no login")]


def test_importing_the_same_thing_twice_reads_as_nothing_changed() -> None:
    assert ImportReport("sync").summary() == "sync: nothing to do"
    again = ImportReport("sync")
    again.count("user", "unchanged", 5)
    assert not again.changed and again.summary() == "sync: unchanged 5 user"


def test_merged_reports_add_up() -> None:
    first, second = ImportReport("sync"), ImportReport("sync")
    first.count("user", "created")
    second.count("user", "created", 2)
    second.reject("octo/big", "too large")
    second.notes.append("3 unattributed emails")
    first.merge(second)
    assert (first.created["user"], len(first.rejected), first.notes) == (3, 1, ["3 unattributed emails"])
