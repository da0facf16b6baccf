"""Sending mail: a tiny Protocol and its two implementations, chosen by the settings.

``SEATLEDGER_SMTP_URL=smtp://host:port`` sends through that server; without it messages are
delivered into a Maildir outbox in the data directory, which the web UI shows at ``/outbox``.
"""

from __future__ import annotations

import mailbox
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Iterator, Protocol
from urllib.parse import urlsplit

from seatledger.config import Settings
from seatledger.errors import ConfigError

SMTP_TIMEOUT_S = 30
# The enterprise a message was sent for (the requester's), so the outbox page shows a person
# only their enterprise's mail.
ENTERPRISE_HEADER = "X-Seatledger-Enterprise"


def new_message(settings: Settings, to: str, subject: str, enterprise: str, body: str) -> EmailMessage:
    """A plain-text message from seatledger, sent for ``enterprise`` (:data:`ENTERPRISE_HEADER`)."""
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="seatledger")
    msg[ENTERPRISE_HEADER] = enterprise
    msg.set_content(body)
    return msg


class Mailer(Protocol):
    """Something that delivers one message or raises OSError/smtplib.SMTPException."""

    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    """Delivers through an SMTP server (``smtp://host:port``)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "smtp" or not parts.hostname:
            raise ConfigError(f"SEATLEDGER_SMTP_URL must look like smtp://host:port, not {url!r}")
        self.host = parts.hostname
        self.port = parts.port or 25
        self.username = parts.username
        self.password = parts.password

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S) as smtp:
            if self.username:
                smtp.starttls()
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class MaildirMailer:
    """Delivers into a Maildir folder (the outbox shown in the UI)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: EmailMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(str(self.path), create=True)
        for sub in ("tmp", "new", "cur"):  # a folder made by hand may lack them
            (self.path / sub).mkdir(exist_ok=True)
        box.add(message)


def mailer_for(settings: Settings) -> Mailer:
    """SMTP when a URL is configured, else the Maildir outbox."""
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return MaildirMailer(settings.outbox_dir)


def iter_outbox(
    path: Path, recipients: set[str], *, enterprise: str | None = None
) -> Iterator[tuple[str, EmailMessage]]:
    """Messages in the outbox addressed to one of ``recipients``, newest first; with
    ``enterprise``, only those sent for that enterprise (:data:`ENTERPRISE_HEADER`): one email
    address may belong to people of several enterprises, whose mail is not each other's."""
    if not path.exists():
        return
    box = mailbox.Maildir(str(path), create=False)
    found: list[tuple[float, str, EmailMessage]] = []
    for key in box.keys():
        msg = box.get_message(key)
        to = (msg.get("To") or "").strip().lower()
        if enterprise is not None and (msg.get(ENTERPRISE_HEADER) or "").strip() != enterprise:
            continue
        if to in recipients:
            email = EmailMessage()
            email.set_content(_body(msg))
            for header in ("From", "To", "Subject", "Date"):
                if msg.get(header):
                    del email[header]
                    email[header] = msg[header]
            found.append((msg.get_date(), key, email))
    for _date, key, email in sorted(found, key=lambda item: item[0], reverse=True):
        yield key, email


def _body(msg: mailbox.MaildirMessage) -> str:
    if msg.is_multipart():
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                return (
                    payload.decode(part.get_content_charset() or "utf-8")
                    if isinstance(payload, bytes) and payload
                    else ""
                )
        return ""
    payload = msg.get_payload(decode=True)
    return payload.decode(msg.get_content_charset() or "utf-8") if isinstance(payload, bytes) else str(payload)
