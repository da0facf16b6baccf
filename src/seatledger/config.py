"""Settings: the only module that reads ``os.environ``.

Every ``SEATLEDGER_*`` variable is read here, once, into a frozen :class:`Settings` that the
app factory and the CLI build at start-up and pass down.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

DEFAULT_DATA_DIR = Path("data")


@dataclass(frozen=True)
class Settings:
    """Everything seatledger needs to know about its environment."""

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    secret_key: str = ""
    smtp_url: str = ""
    mail_from: str = "seatledger@localhost"
    queue_url: str = ""
    base_url: str = "http://127.0.0.1:8000"
    download_link_ttl_seconds: int = 24 * 3600
    rate_limit_per_hour: int = 15000
    export_retries: int = 3
    # How long a running export job is held by its worker without a heartbeat; a job whose
    # lease ran out is the next worker's to retry or fail (exports/recovery.py).
    export_lease_seconds: int = 60
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "seatledger.db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    def with_(self, **changes: Any) -> "Settings":
        """A copy with some settings changed (tests and the CLI's flags use this)."""
        return replace(self, **changes)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        from seatledger.errors import ConfigError

        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    from seatledger.errors import ConfigError

    raise ConfigError(f"{name} must be 1 or 0 (true or false), not {raw!r}")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment (``os.environ`` unless given)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("SEATLEDGER_DATA_DIR") or DEFAULT_DATA_DIR)
    return Settings(
        data_dir=data_dir,
        database_url=env.get("SEATLEDGER_DATABASE_URL", ""),
        secret_key=env.get("SEATLEDGER_SECRET_KEY", ""),
        smtp_url=env.get("SEATLEDGER_SMTP_URL", ""),
        mail_from=env.get("SEATLEDGER_MAIL_FROM", "seatledger@localhost"),
        queue_url=env.get("SEATLEDGER_QUEUE_URL", ""),
        base_url=env.get("SEATLEDGER_BASE_URL", "http://127.0.0.1:8000"),
        download_link_ttl_seconds=_int(env, "SEATLEDGER_DOWNLOAD_LINK_TTL", 24 * 3600),
        rate_limit_per_hour=_int(env, "SEATLEDGER_RATE_LIMIT_PER_HOUR", 15000),
        export_retries=_int(env, "SEATLEDGER_EXPORT_RETRIES", 3),
        export_lease_seconds=_int(env, "SEATLEDGER_EXPORT_LEASE", 60),
        extra={k: v for k, v in env.items() if k in _PASSTHROUGH},
    )


# Variables read by name elsewhere would break the one-reader rule; the few that belong to
# other tools (the GitHub token for `sync github`) are captured here and handed down.
_PASSTHROUGH = frozenset({"GITHUB_TOKEN", "CI"})


def token_from_environment(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The token in environment variable ``name`` (``sync github --token-env NAME``): a token
    never travels on a command line, and only this module reads the environment."""
    value = (os.environ if env is None else env).get(name, "").strip()
    return value or None
