"""Settings: read once from the environment into a frozen value; a bad number is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from seatledger.config import Settings, load_settings, token_from_environment
from seatledger.errors import ConfigError


def test_settings_read_data_dir_and_database_url_from_the_environment() -> None:
    s = load_settings({"SEATLEDGER_DATA_DIR": "/x", "SEATLEDGER_DATABASE_URL": "postgresql+psycopg://h/db"})
    assert str(s.data_dir) == "/x"
    assert s.effective_database_url == "postgresql+psycopg://h/db"
    assert load_settings({"SEATLEDGER_DATA_DIR": "/y"}).effective_database_url == "sqlite:////y/seatledger.db"


def test_an_empty_environment_gives_the_defaults_and_the_data_dirs_folders() -> None:
    s = load_settings({})
    assert s == Settings()
    assert (s.exports_dir, s.outbox_dir) == (Path("data/exports"), Path("data/outbox"))


def test_whole_number_settings_are_read_and_a_bad_one_names_its_variable() -> None:
    s = load_settings(
        {
            "SEATLEDGER_DOWNLOAD_LINK_TTL": "60",
            "SEATLEDGER_RATE_LIMIT_PER_HOUR": "",
            "SEATLEDGER_EXPORT_RETRIES": "5",
            "SEATLEDGER_EXPORT_LEASE": "7",
        }
    )
    assert (s.download_link_ttl_seconds, s.rate_limit_per_hour, s.export_retries, s.export_lease_seconds) == (
        60,
        Settings().rate_limit_per_hour,
        5,
        7,
    )
    with pytest.raises(ConfigError, match="SEATLEDGER_EXPORT_RETRIES must be a whole number, not 'three'"):
        load_settings({"SEATLEDGER_EXPORT_RETRIES": "three"})


def test_only_the_named_outside_variables_are_handed_down() -> None:
    s = load_settings({"GITHUB_TOKEN": "t", "CI": "true", "HOME": "/root", "SEATLEDGER_UNKNOWN": "x"})
    assert dict(s.extra) == {"GITHUB_TOKEN": "t", "CI": "true"}


def test_a_copy_with_changes_leaves_the_original_as_it_was() -> None:
    s = load_settings({"SEATLEDGER_DATA_DIR": "/x"})
    t = s.with_(export_retries=9)
    assert (t.export_retries, t.data_dir, s.export_retries) == (9, Path("/x"), 3)


def test_a_token_is_read_from_the_named_variable_stripped_and_blank_is_none() -> None:
    env = {"MY_TOKEN": "  ghp_abc \n", "BLANK": "   "}
    assert token_from_environment("MY_TOKEN", env) == "ghp_abc"
    assert token_from_environment("BLANK", env) is None
    assert token_from_environment("MISSING", env) is None
