"""Collecting the replies to an asking signal (a page asks the apps built on its app for parts:
pretix's habit). Each app's signals.py declares what it asks and what a receiver returns."""

from typing import Any

from django.dispatch import Signal


def replies(signal: Signal, **kwargs: Any) -> list:
    """Every receiver's reply, in receiver order (None skipped)."""
    kwargs.setdefault("sender", None)
    return [reply for _receiver, reply in signal.send(**kwargs) if reply is not None]


def reply_items(signal: Signal, **kwargs: Any) -> list:
    """Every item of every receiver's reply (each a list), in one list (None or empty adds nothing)."""
    kwargs.setdefault("sender", None)
    return [item for _receiver, reply in signal.send(**kwargs) if reply for item in reply]
