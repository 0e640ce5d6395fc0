"""Test-only switches of the seat claim, patched by the race tests and nothing else.

pretix keeps such hooks out of its services the same way: production code reads them, only
tests (tests/events/test_race.py) change them, through monkeypatch.
"""

from __future__ import annotations

from collections.abc import Callable

from events.models import Category

# The negative control sets this to claim_seat_unlocked to show that the race is real.
claim_override: Callable[[Category], int | None] | None = None
# Called between counting the seats and writing, in claim_seat_unlocked: the negative control
# parks every thread there to make the unlocked race certain.
after_seat_count: Callable[[], object] | None = None
# False runs the portable two-statement claim on PostgreSQL too (both paths are raced).
single_statement_claim = True


def claim_seat_unlocked(category: Category) -> int | None:
    """Read, decide in Python, write: the race the negative control demonstrates."""
    current = Category.objects.get(pk=category.pk)
    if after_seat_count is not None:
        after_seat_count()
    if current.confirmed_count >= current.capacity:
        return None
    Category.objects.filter(pk=category.pk).update(confirmed_count=current.confirmed_count + 1,
                                                   next_bib=current.next_bib + 1)
    return current.next_bib


def _nothing() -> None:
    return None


# Called in a device sync after every item is checked and before anything is written
# (events/services/raceday.py): the bib race test parks two syncs there so that both check the same
# free number before either writes it.
sync_checked: Callable[[], object] = _nothing
