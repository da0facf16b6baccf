"""Emailed reports: export jobs on a huey queue, mail (SMTP or a Maildir outbox), and signed,
expiring download links.

- :mod:`~seatledger.exports.catalog` — which reports exist at which scopes, and writing one
- :mod:`~seatledger.exports.jobs` — the ``export_jobs`` lifecycle and the job itself
- :mod:`~seatledger.exports.queue` — huey (SQLite file by default, Redis by URL), consumers
- :mod:`~seatledger.exports.mail` — the ``Mailer`` protocol: ``SmtpMailer``, ``MaildirMailer``
- :mod:`~seatledger.exports.links` — signing and checking download links
- :mod:`~seatledger.exports.secret_key` — the signing key (configured, or kept in the data dir)
"""
