"""The signing key: the configured one wins, else one generated on first start is kept in the
data directory (mode 600) and read back by every later start; an empty key file is an error."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from seatledger.config import Settings
from seatledger.errors import ConfigError
from seatledger.exports.secret_key import effective_secret_key, secret_key_path


def test_a_configured_key_wins_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="configured")
    assert effective_secret_key(settings) == "configured"
    assert not secret_key_path(settings).exists()


def test_a_generated_key_is_kept_private_and_read_back_by_the_next_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "new")
    first = effective_secret_key(settings)
    path = secret_key_path(settings)
    assert len(first) >= 48 and path.read_text() == first + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert effective_secret_key(settings) == first
    assert effective_secret_key(Settings(data_dir=tmp_path / "other")) != first


def test_an_empty_key_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    secret_key_path(settings).write_text("\n")
    with pytest.raises(ConfigError, match="is empty; delete it to generate a new key"):
        effective_secret_key(settings)
