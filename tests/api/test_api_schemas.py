"""The bodies of GitHub's REST description (``api/schemas.py``): timestamps are ISO 8601 UTC
with ``Z``, unknown properties and unusable names are refused, and every documented error
answer is GitHub's ``BasicError``."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from pydantic import ValidationError

from seatledger.api.schemas import READ_ERRORS, BasicError, LicenseSync, SelectedTeams, SelectedUsers


def test_timestamps_are_iso_8601_utc_with_z(api: httpx.Client, api_world) -> None:
    sync = api.get("/enterprises/acme/license-sync-status", headers=api_world.auth("owner")).json()
    assert sync["server_instances"][0]["last_sync"]["date"] == "2024-02-01T08:30:00Z"
    seat = api.get("/orgs/octo/copilot/billing/seats", headers=api_world.auth("octo_owner")).json()["seats"][0]
    for name in ("created_at", "updated_at", "last_activity_at", "last_authenticated_at"):
        assert seat[name].endswith("Z") and "+" not in seat[name], name


def test_a_timestamp_is_written_in_utc_with_z_and_whole_seconds_whatever_its_zone() -> None:
    naive = LicenseSync(date=dt.datetime(2024, 2, 1, 8, 30, 15, 999_999), status="success", error="")
    assert naive.model_dump(mode="json")["date"] == "2024-02-01T08:30:15Z"
    tokyo = dt.timezone(dt.timedelta(hours=9))
    aware = LicenseSync(date=dt.datetime(2024, 2, 1, 17, 30, tzinfo=tokyo), status="success", error="")
    assert aware.model_dump(mode="json")["date"] == "2024-02-01T08:30:00Z"
    date = LicenseSync.model_json_schema()["properties"]["date"]
    assert (date["type"], date["format"]) == ("string", "date-time")


def test_a_request_body_with_an_unknown_property_an_empty_list_or_an_unusable_name_is_refused() -> None:
    assert SelectedUsers(selected_usernames=["mona"]).selected_usernames == ["mona"]
    for bad in (
        {"selected_usernames": ["mona"], "selected_teams": ["devs"]},
        {"selected_usernames": []},
        {"selected_usernames": ["mo\x00na"]},
        {"selected_usernames": [""]},
    ):
        with pytest.raises(ValidationError):
            SelectedUsers.model_validate(bad)
    with pytest.raises(ValidationError):
        SelectedTeams.model_validate({"selected_teams": ["de\nvs"]})


def test_every_read_error_is_documented_as_githubs_basic_error() -> None:
    assert sorted(READ_ERRORS) == [400, 401, 403, 404, 422]
    assert {answer["model"] for answer in READ_ERRORS.values()} == {BasicError}
    assert all(answer["description"] for answer in READ_ERRORS.values())
