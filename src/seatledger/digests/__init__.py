"""Digests: a weekly or monthly email per enterprise to the people who subscribe, with its
totals, the change since the last digest and what could be reclaimed (counts only), and a
signed, expiring link to the page of those changes (no attachment).

    subscriptions.py  subscribe, unsubscribe, list; who may still read the numbers (at send time)
    sending.py        what a digest says, which are due, sending them (the queue's daily task)
"""
