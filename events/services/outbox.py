"""Registration e-mails go through core.outbox: a row in the writing transaction, sent after commit."""

from __future__ import annotations

from core import outbox

TOPIC = "events.registration"  # rendered by events.notifications.render


def mail_on_commit(registration_id: int, kind: str) -> None:
    """Queue an e-mail: an outbox row in the caller's transaction, and a send once it commits."""
    outbox.enqueue(TOPIC, kind, registration_id)


def outbox_kick_on_commit(*, committed: bool = False) -> None:
    outbox.kick_on_commit(committed=committed)


def mails_on_commit(registration_ids: list[int], kind: str) -> None:
    """The same e-mail for many registrations, one outbox row each, in one statement."""
    outbox.enqueue_many((TOPIC, kind, pk, None, None) for pk in registration_ids)


def outbox_enqueue_to(registration_id: int, kind: str, recipient_id: int) -> None:
    """A message about a registration to someone other than its rider (the recipient of a
    transfer offer), in the writing transaction."""
    outbox.enqueue(TOPIC, kind, registration_id, recipient_id=recipient_id)
