"""Sending mail: a message from seatledger for one enterprise, delivered through a real SMTP
server or into the Maildir outbox, whichever the settings pick; the outbox read back per
recipient and enterprise, newest first."""

from __future__ import annotations

import mailbox
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from livesupport import SmtpSink
from seatledger.config import Settings
from seatledger.errors import ConfigError
from seatledger.exports.mail import ENTERPRISE_HEADER, MaildirMailer, SmtpMailer, iter_outbox, mailer_for, new_message


def test_a_message_is_from_seatledger_for_its_enterprise(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, mail_from="ledger@acme.test")
    msg = new_message(settings, "mona@acme.test", "Your export", "acme", "the body\n")
    assert (msg["From"], msg["To"], msg["Subject"], msg[ENTERPRISE_HEADER]) == (
        "ledger@acme.test",
        "mona@acme.test",
        "Your export",
        "acme",
    )
    assert msg["Message-ID"].endswith("@seatledger>") and msg["Date"]
    assert msg.get_content() == "the body\n"


def test_the_maildir_outbox_holds_real_maildir_messages(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["To"], msg["From"], msg["Subject"] = "a@x.test", "s@x.test", "hello"
    msg.set_content("body")
    MaildirMailer(tmp_path / "outbox").send(msg)
    [stored] = list(mailbox.Maildir(str(tmp_path / "outbox"), create=False))
    assert stored["Subject"] == "hello"
    assert [m["Subject"] for _k, m in iter_outbox(tmp_path / "outbox", {"a@x.test"})] == ["hello"]
    assert list(iter_outbox(tmp_path / "outbox", {"b@x.test"})) == []


def test_the_outbox_is_read_newest_first_per_recipient_and_enterprise(tmp_path: Path) -> None:
    outbox, settings = tmp_path / "outbox", Settings(data_dir=tmp_path)
    assert list(iter_outbox(outbox, {"mona@acme.test"})) == []  # nothing sent yet: no folder
    outbox.mkdir()  # a folder made by hand, without Maildir's tmp, new and cur
    mailer = MaildirMailer(outbox)
    for subject, to, enterprise in [
        ("first", "Mona@Acme.test", "acme"),
        ("second", "mona@acme.test", "acme"),
        ("globex's", "mona@acme.test", "globex"),
        ("bob's", "bob@acme.test", "acme"),
    ]:
        mailer.send(new_message(settings, to, subject, enterprise, f"{subject} body"))
    box = mailbox.Maildir(str(outbox), create=False)
    for key in box.keys():  # delivered a minute apart, in the order sent
        order = ["first", "second", "globex's", "bob's"].index(box[key]["Subject"])
        path = outbox / "new" / key
        os.utime(path, (1_700_000_000 + 60 * order, 1_700_000_000 + 60 * order))

    def subjects(recipients: set[str], enterprise: str | None = None) -> list[str]:
        return [m["Subject"] for _key, m in iter_outbox(outbox, recipients, enterprise=enterprise)]

    assert subjects({"mona@acme.test"}) == ["globex's", "second", "first"]
    assert subjects({"mona@acme.test"}, "acme") == ["second", "first"]
    assert subjects({"mona@acme.test", "bob@acme.test"}, "acme") == ["bob's", "second", "first"]
    key, first = list(iter_outbox(outbox, {"mona@acme.test"}))[-1]
    assert first.get_content() == "first body\n" and first["From"] == settings.mail_from
    assert box[key]["Subject"] == "first"


def test_the_settings_pick_smtp_or_the_outbox_and_smtp_delivers_to_a_real_server(
    tmp_path: Path, smtp: SmtpSink
) -> None:
    settings = Settings(data_dir=tmp_path)
    outbox = mailer_for(settings)
    assert isinstance(outbox, MaildirMailer) and outbox.path == settings.outbox_dir
    mailer = mailer_for(settings.with_(smtp_url=smtp.url))
    assert isinstance(mailer, SmtpMailer) and (mailer.host, mailer.port) == ("127.0.0.1", smtp.port)
    mailer.send(new_message(settings, "mona@acme.test", "over smtp", "acme", "hello"))
    [received] = smtp.messages
    assert (received["To"], received["Subject"], received[ENTERPRISE_HEADER]) == ("mona@acme.test", "over smtp", "acme")
    assert not settings.outbox_dir.exists()


@pytest.mark.parametrize("url", ["http://mail.acme.test", "smtp://", "mail.acme.test:25"])
def test_an_smtp_url_of_another_shape_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigError, match="must look like smtp://host:port"):
        SmtpMailer(url)
    assert SmtpMailer("smtp://mail.acme.test").port == 25
