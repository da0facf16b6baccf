"""CSV injection: a cell a spreadsheet would run as a formula gets a leading apostrophe, any
other is left alone, and a neutralised cell is recognised as one."""

from __future__ import annotations

import pytest

from seatledger.reports.csv_safety import FORMULA_TRIGGERS, is_neutralised, neutralise


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_every_formula_trigger_is_neutralised_and_recognised(trigger: str) -> None:
    hostile = trigger + 'HYPERLINK("http://x.test")'
    assert neutralise(hostile) == "'" + hostile
    assert is_neutralised(neutralise(hostile))


@pytest.mark.parametrize("safe", ["alice", "a=b", "x@y.test", "2024-05-01", "", "'quoted", " =space-first"])
def test_a_cell_that_a_spreadsheet_would_not_evaluate_is_left_alone(safe: str) -> None:
    assert neutralise(safe) == safe
    assert not is_neutralised(safe)
