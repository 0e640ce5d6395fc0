"""What accounts asks of the apps built on it."""

from typing import Any

from django.dispatch import Signal

# A rider's public page asks for sections (routes answers with completions and badges).
# kwargs: rider, viewer. Each receiver returns safe HTML, or None for nothing.
rider_page_sections = Signal()


def answers(signal: Signal, **kwargs: Any) -> list:
    """Every answer the receivers of an asking signal give, in receiver order (None skipped)."""
    return [answer for _receiver, answer in signal.send(sender=None, **kwargs) if answer is not None]
