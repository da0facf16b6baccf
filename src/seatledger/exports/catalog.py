"""Which reports can be downloaded or emailed, at which scopes, and how to write one.

A :class:`ReportRequest` is (kind, scope, product). Both the direct download and the emailed
export write it through :func:`write_report`, which calls the ``reports`` package.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from sqlalchemy.engine import Connection

from seatledger.errors import InvalidInput
from seatledger import reports
from seatledger.reports import usage as usage_report
from seatledger.licensing import Scope, ScopeKind

LICENSE_USAGE = "license-usage"
ADVANCED_SECURITY = "advanced-security"
COPILOT_ACTIVITY = "copilot-activity"
USAGE = "usage"

PRODUCT_LABELS = {"code_security": "Code Security", "secret_protection": "Secret Protection"}
SCOPE_LABELS = {
    "enterprise": "enterprise",
    "organization": "organization",
    "user_namespace": "user namespace",
    "repository": "repository",
}


@dataclass(frozen=True)
class ReportKind:
    key: str
    label: str
    scopes: tuple[ScopeKind, ...]
    needs_product: bool


KINDS: dict[str, ReportKind] = {
    LICENSE_USAGE: ReportKind(LICENSE_USAGE, "License usage", ("enterprise", "organization"), False),
    ADVANCED_SECURITY: ReportKind(
        ADVANCED_SECURITY, "Advanced Security", ("enterprise", "organization", "user_namespace", "repository"), True
    ),
    COPILOT_ACTIVITY: ReportKind(COPILOT_ACTIVITY, "Copilot activity", ("enterprise", "organization"), False),
    USAGE: ReportKind(USAGE, "Usage", ("enterprise", "organization"), False),
}


@dataclass(frozen=True)
class UsageParams:
    """The metered usage report's type and date range (inclusive)."""

    report_type: str  # summarized | detailed
    start: dt.date
    end: dt.date

    def to_json(self) -> str:
        return json.dumps(
            {"report_type": self.report_type, "start": self.start.isoformat(), "end": self.end.isoformat()}
        )

    @classmethod
    def parse(cls, report_type: str, start: str, end: str) -> "UsageParams":
        try:
            params = cls(report_type, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        except ValueError as exc:
            raise InvalidInput(f"the usage report's dates are YYYY-MM-DD, not {start!r} and {end!r}") from exc
        usage_report.check_report(params.report_type, params.start, params.end)
        return params

    @classmethod
    def from_json(cls, text: str) -> "UsageParams":
        data = json.loads(text)
        return cls.parse(data["report_type"], data["start"], data["end"])


@dataclass(frozen=True)
class ReportRequest:
    """One report at one scope (and, for Advanced Security, one product), counted at a picked
    instant (``as_of``) or, without one, when it is asked for."""

    kind: str
    scope: Scope
    product: str | None
    usage: UsageParams | None = None
    as_of: dt.datetime | None = None

    @property
    def scope_token(self) -> str:
        """``kind:name``, and ``@enterprise`` when the scope names its enterprise."""
        token = f"{self.scope.kind}:{self.scope.name}"
        return f"{token}@{self.scope.enterprise_slug}" if self.scope.enterprise_slug else token

    @property
    def label(self) -> str:
        if self.usage:
            u = self.usage
            return f"Usage ({u.report_type}, {u.start.isoformat()} to {u.end.isoformat()})"
        if self.product:
            return PRODUCT_LABELS[self.product]
        return KINDS[self.kind].label

    @property
    def title(self) -> str:
        at = f" as of {self.as_of:%Y-%m-%d %H:%M} UTC" if self.as_of else ""
        return f"{self.label} ({SCOPE_LABELS[self.scope.kind]} {self.scope.name}){at}"

    @property
    def filename(self) -> str:
        parts = [self.kind, self.product or "", self.scope.name.replace("/", "_")]
        if self.usage:
            parts[1:1] = [self.usage.report_type, self.usage.start.isoformat(), self.usage.end.isoformat()]
        if self.as_of:
            parts.append(f"as-of-{self.as_of:%Y-%m-%d}")
        return "-".join(p.replace("_", "-") if p is self.product else p for p in parts if p) + ".csv"


def report_request(
    kind: str,
    scope: str,
    product: str | None = None,
    usage: UsageParams | None = None,
    as_of: dt.datetime | None = None,
) -> ReportRequest:
    """Parse and check a request; InvalidInput names what is wrong."""
    spec = KINDS.get(kind)
    if spec is None:
        raise InvalidInput(f"unknown report {kind!r}; one of {', '.join(KINDS)}")
    scope_kind, sep, name = scope.partition(":")
    if not sep or not name:
        raise InvalidInput(f"a report scope looks like 'organization:NAME', not {scope!r}")
    if scope_kind not in spec.scopes:
        raise InvalidInput(f"the {spec.label} report is not available at {scope_kind} level")
    # No login, org or repository name holds an "@": what follows one is the enterprise's slug.
    name, _at, enterprise = name.partition("@")
    parsed = Scope.repo(name) if scope_kind == "repository" else Scope(scope_kind, name)
    if enterprise:
        parsed = parsed.within(enterprise)
    product = product or None
    if spec.needs_product:
        if product not in PRODUCT_LABELS:
            raise InvalidInput("choose the Advanced Security product: code_security or secret_protection")
    elif product is not None:
        raise InvalidInput(f"the {spec.label} report takes no product")
    if (kind == USAGE) != (usage is not None):
        raise InvalidInput("only the usage report takes a report type and dates, and it needs them")
    return ReportRequest(kind, parsed, product, usage, as_of)


def open_chunks(conn: Connection, request: ReportRequest, *, as_of: dt.datetime | None = None) -> Iterator[bytes]:
    """The CSV's encoded chunks; NotFound/InvalidInput are raised now, before any byte."""
    if request.usage is not None:
        u = request.usage
        return usage_report.iter_report(conn, request.scope, u.start, u.end, u.report_type, as_of=as_of)
    return reports.open_report(request.kind, conn, request.scope, product=request.product, as_of=as_of)


def write_report(conn: Connection, request: ReportRequest, out: BinaryIO, *, as_of: dt.datetime | None = None) -> int:
    """Write the CSV for ``request`` to ``out``; returns the number of data rows."""
    written = [0]

    def progress(records: int) -> None:
        written[0] = records

    if request.usage is not None:
        u = request.usage
        chunks = usage_report.iter_report(
            conn, request.scope, u.start, u.end, u.report_type, as_of=as_of, progress=progress
        )
        for chunk in chunks:
            out.write(chunk)
        return written[0]
    reports.write_report(
        request.kind, conn, request.scope, out, product=request.product, as_of=as_of, progress=progress
    )
    return written[0]
