"""Alerts: rules an enterprise sets on its license use, evaluated by the writes that change
them and on a schedule, fired once when they become true and once when they clear, and
delivered by email and signed webhooks.

    conditions.py   what a rule is, and its condition in words
    rules.py        add, list, remove (``seatledger alert``, the web's Alerts page)
    evaluation.py   does a condition hold (the counting engine's numbers); state changes
    commit_hook.py  evaluation inside every writing transaction, before it commits
    delivery.py     the outbox: email and signed webhooks, retried with backoff, logged
    history.py      what fired, and each delivery's attempts

The package is imported by name when an engine is made (``db.engine.COMMIT_HOOKS``); this
module imports nothing, so that stays cheap.
"""
