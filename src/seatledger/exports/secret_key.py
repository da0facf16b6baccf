"""The key that signs session cookies and download links.

``SEATLEDGER_SECRET_KEY`` wins when set. Otherwise a random key is generated on first start
and kept in ``<data dir>/secret_key`` (mode 600), so sessions and emailed links survive a
restart and every ``serve``/``worker`` process sharing the data directory agrees on it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from seatledger.config import Settings
from seatledger.errors import ConfigError

SECRET_KEY_FILE = "secret_key"


def secret_key_path(settings: Settings) -> Path:
    return settings.data_dir / SECRET_KEY_FILE


def effective_secret_key(settings: Settings) -> str:
    """The configured key, or the one kept in the data directory (created if missing)."""
    if settings.secret_key:
        return settings.secret_key
    path = secret_key_path(settings)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        # O_EXCL: when two processes start at once, exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise ConfigError(f"the secret key file {path} is empty; delete it to generate a new key")
    return key
