"""The negative controls run by bench/lifecycle_controls.py (not part of `make test`: testpaths is
tests/). Each test puts one of issue 22's bugs back and expects the invariant machine to fail."""

from __future__ import annotations

import os
import time
import traceback

import pytest

from tests.events import test_lifecycle_machine as machine

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("CONTROL_EXAMPLES", "80"))
STEPS = int(os.environ.get("CONTROL_STEPS", "30"))


def _found(label: str) -> None:
    started = time.perf_counter()
    try:
        machine._run(examples=EXAMPLES, steps=STEPS, shrink=False)
    except Exception as exc:  # the machine's failure: an invariant's assertion or an illegal move
        frames = [f.name for f in traceback.extract_tb(exc.__traceback__)]
        caught = next((name for name in reversed(frames) if name in (
            "seats", "money", "identity", "personal_data", "recorded_edges")), None)
        if caught is None and type(exc).__name__ != "IllegalTransition":
            raise  # not a finding: a bug of the bench
        print(f"\n{label}: FOUND by {caught or 'an illegal move'} in {time.perf_counter() - started:.1f} s")
        return
    print(f"\n{label}: not found in {EXAMPLES} sequences ({time.perf_counter() - started:.1f} s)")
    pytest.fail(f"{label} was not found")


def test_a_transferred_seat_keeps_its_code(monkeypatch):
    from events import services

    for module in (services.signup, services.holds, services.transfers, services.family, services.seats):
        monkeypatch.setattr(module, "new_checkin_key", lambda: "")  # every seat one key: codes never change
    _found("transferred seat keeps its check-in code")


def test_an_unpaid_transfer_leaves_the_order_with_the_sender(monkeypatch):
    from payments import services

    monkeypatch.setattr(services, "order_transfer", lambda **kwargs: None)
    _found("unpaid seat's order stays with the sender")


def test_a_deleted_account_keeps_its_seat(monkeypatch):
    from core import personal_data

    monkeypatch.setitem(personal_data._releasers, "registrations", lambda user: None)
    _found("deleted account keeps its seat")


def test_a_reprice_leaves_the_old_order_payable(monkeypatch):
    from payments.services import seats as services

    real = services._close_pending

    def keeps_open(orders, *, why, by=None):
        return 0 if why == "category switched" else real(orders, why=why, by=by)

    monkeypatch.setattr(services, "_close_pending", keeps_open)
    _found("re-priced seat's old order still payable")


def test_money_for_a_closed_order_is_kept(monkeypatch):
    from payments.services import notifications as services

    real = services._refund_add

    def keeps(order, payment, amount_fen, reason, by=None):
        return None if reason.startswith("paid for an order that can no longer") else real(order, payment,
                                                                                             amount_fen, reason, by)

    monkeypatch.setattr(services, "_refund_add", keeps)
    _found("money for a withdrawn/closed order kept")
