"""The exception tree. Every error a user can cause is a :class:`LedgerError`.

    LedgerError                  -- base; ``message`` is one line fit to show a person
    ├── ConfigError              -- a setting is wrong (bad URL, bad number)
    ├── DatabaseUnavailable      -- the database cannot be reached (wraps the driver's error)
    ├── NotFound                 -- an enterprise, org, user, repo or report that does not exist
    ├── PermissionDenied         -- the caller's role does not allow it
    ├── InvalidInput             -- a bad parameter, a malformed upload, a range over a limit
    │   ├── MalformedJSON        -- a body or file that is not JSON within the limits (400)
    │   ├── PayloadTooLarge      -- a body over its size limit, refused unread (413)
    │   └── ImportRejected       -- an import was refused whole; nothing was written
    └── SourceError              -- git or a remote GitHub API failed (wraps the cause)

Foreign errors (psycopg, sqlite3, git, httpx) are converted at the edge with
``raise ... from exc`` so the surfaces only ever deal with this tree.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error seatledger reports to a person."""

    status_code: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(LedgerError):
    """A setting is malformed."""


class DatabaseUnavailable(LedgerError):
    """The ledger database cannot be reached."""

    status_code = 503


class NotFound(LedgerError):
    """Something named does not exist (or the caller may not know it exists)."""

    status_code = 404


class PermissionDenied(LedgerError):
    """The caller is known but their role does not allow this."""

    status_code = 403


class InvalidInput(LedgerError):
    """A parameter or an uploaded file is not acceptable."""

    status_code = 422


class MalformedJSON(InvalidInput):
    """A body or file that is not JSON, or JSON past a limit (nesting, duplicate keys, NaN)."""

    status_code = 400


class PayloadTooLarge(InvalidInput):
    """A request body over its size limit; refused before it is read whole."""

    status_code = 413


class ImportRejected(InvalidInput):
    """An import was refused as a whole; the ledger is unchanged."""


class SourceError(LedgerError):
    """A data source (git, a GitHub API) failed."""

    status_code = 502
