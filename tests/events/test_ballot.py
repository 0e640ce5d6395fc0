"""Issue 14, ballot (抽签): entries in the window, a published commitment, an auditable draw (the
same seed and entries give the same winners; manage.py ballot_verify re-runs it from the published
data), quota groups, winners paying, everyone else on the waitlist in draw order."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ServiceError
from core.models import Outbox
from events import ballot as rules
from events.models import Ballot, Event, Registration
from events.services import ballot_draw, quota_group_add, registration_create
from payments.models import Order
from tests.factories import UserFactory


@given(ids=st.lists(st.integers(min_value=1, max_value=10**6), unique=True, max_size=60),
       seed=st.text(min_size=1, max_size=64), capacity=st.integers(min_value=0, max_value=70),
       shares=st.lists(st.integers(min_value=1, max_value=40), max_size=2), flags=st.randoms())
@settings(max_examples=150, deadline=None)
def test_the_same_seed_and_entries_always_give_the_same_winners(ids, seed, capacity, shares, flags):
    entries = [[i, sorted(g for g in range(len(shares)) if flags.random() < 0.4)] for i in sorted(ids)]
    data = {"capacity": capacity, "shares": shares, "entries": entries}
    order, winners = rules.draw(data, seed)
    assert (order, winners) == rules.draw(json.loads(json.dumps(data)), seed)  # through the published JSON too
    assert sorted(order) == sorted(ids) and len(winners) == min(capacity, len(ids))
    assert winners == [i for i in order if i in set(winners)]  # in draw order
    qualifying = {i: set(g) for i, g in entries}
    for group, share in enumerate(shares):  # each quota filled up to its seats when enough qualify
        seats = capacity * share // 100
        eligible_in_order = [i for i in order if group in qualifying[i]]
        assert len([i for i in winners if group in qualifying[i]]) >= min(seats, len(eligible_in_order),
                                                                          max(0, capacity - sum(
                                                                              capacity * s // 100
                                                                              for s in shares[:group])))


def test_the_specified_algorithm_is_what_runs():
    """The documented steps by hand for a small case (docs/registration.md)."""
    import hashlib
    seed = "abc"
    numbers = [int.from_bytes(hashlib.sha256(f"abc:{k}".encode()).digest()[:8], "big") for k in range(10)]
    order, draws = [1, 2, 3], iter(numbers)
    for i in range(2, 0, -1):
        n, x = i + 1, next(draws)
        while x >= 2**64 - 2**64 % n:
            x = next(draws)
        j = x % n
        order[i], order[j] = order[j], order[i]
    assert rules.shuffled([1, 2, 3], seed) == order
    assert rules.commitment(seed) == hashlib.sha256(b"abc").hexdigest()


@pytest.fixture
def ballot_event(make_event):
    event = make_event(title="千人骑行抽签赛", categories=[
        {"name": "抽签组", "name_en": "Ballot", "capacity": 10, "mode": "ballot", "waitlist_enabled": True}])
    return event, event.categories.get()


def _close(event):
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(registration_closes_at=now - datetime.timedelta(minutes=1))
    event.refresh_from_db()


def test_entries_are_not_seats_and_the_commitment_is_public_before_the_draw(client, ballot_event):
    event, category = ballot_event
    ballot = Ballot.objects.get(category=category)
    assert len(ballot.commitment) == 64 and ballot.drawn_at is None
    page = client.get(f"/events/{event.slug}/").content.decode()
    assert ballot.commitment in page and ballot.seed not in page
    rider = UserFactory()
    entry, created = registration_create(event=event, category=category, rider=rider)
    assert created and entry.status == "entered" and entry.bib is None
    again, created = registration_create(event=event, category=category, rider=rider)
    assert not created and again.pk == entry.pk  # a rider cannot enter twice
    category.refresh_from_db()
    assert category.confirmed_count == 0
    with pytest.raises(ServiceError) as early:
        ballot_draw(category=category)
    assert early.value.error_code == "ballot_open"
    _close(event)
    with pytest.raises(ServiceError) as late:
        registration_create(event=event, category=category, rider=UserFactory())
    assert late.value.error_code == "closed"  # entries after the window are refused


def test_the_draw_selects_exactly_the_seats_and_queues_the_rest_in_draw_order(client, ballot_event, organizer):
    event, category = ballot_event
    entries = [registration_create(event=event, category=category, rider=UserFactory())[0] for _ in range(25)]
    _close(event)
    client.force_login(organizer)
    client.post(f"/events/{event.slug}/categories/{category.pk}/", {"action": "draw"})
    ballot = Ballot.objects.get(category=category)
    assert ballot.drawn_at and rules.commitment(ballot.seed) == ballot.commitment
    statuses = dict(Registration.objects.filter(category=category).values_list("pk", "status"))
    assert sum(s == "confirmed" for s in statuses.values()) == 10 == len(ballot.winners)
    assert sum(s == "waitlisted" for s in statuses.values()) == 15
    order, winners = rules.draw(ballot.entries, ballot.seed)
    assert winners == ballot.winners and sorted(order) == sorted(e.pk for e in entries)
    positions = dict(Registration.objects.filter(category=category).values_list("pk", "draw_position"))
    assert [pk for pk, _p in sorted(positions.items(), key=lambda kv: kv[1])] == order
    category.refresh_from_db()
    assert category.confirmed_count == 10
    bibs = list(Registration.objects.filter(pk__in=winners).values_list("bib", flat=True))
    assert len(set(bibs)) == 10 and None not in bibs
    # the waitlist is the draw order: a cancellation offers the seat to the first loser drawn
    first_loser = next(pk for pk in order if pk not in set(winners))
    from events.services import registration_cancel
    registration_cancel(registration=Registration.objects.get(pk=winners[0]))
    assert Registration.objects.get(pk=first_loser).status == "confirmed"
    kinds = set(Outbox.objects.values_list("kind", flat=True))
    assert {"entered", "confirmed", "ballot_waitlisted"} <= kinds  # everyone is told
    with pytest.raises(ServiceError):
        ballot_draw(category=category)  # once only
    page = client.get(f"/events/{event.slug}/").content.decode()
    from django.urls import reverse
    assert ballot.seed in page and reverse("events:ballot-entries", args=[event.slug, category.pk]) in page


def test_quota_groups_are_exact_and_unfilled_quota_falls_to_the_open_draw(ballot_event):
    event, category = ballot_event
    ballot = Ballot.objects.get(category=category)
    quota_group_add(ballot=ballot, rule="xingtai", share_percent=40)
    quota_group_add(ballot=ballot, rule="club_members", share_percent=20)  # nobody qualifies: falls to open
    with pytest.raises(ServiceError):
        quota_group_add(ballot=ballot, rule="xingtai", share_percent=50)  # over 100%
    locals_ = [UserFactory(home_area="xindu") for _ in range(6)]
    outsiders = [UserFactory(home_area="other", home_area_other="石家庄") for _ in range(30)]
    for rider in locals_ + outsiders:
        registration_create(event=event, category=category, rider=rider)
    _close(event)
    ballot = ballot_draw(category=category)
    winners = set(ballot.winners)
    local_ids = set(Registration.objects.filter(rider__in=locals_).values_list("pk", flat=True))
    order, _w = rules.draw(ballot.entries, ballot.seed)
    first_four_locals = [pk for pk in order if pk in local_ids][:4]
    assert set(first_four_locals) <= winners  # the 40% quota: exactly its 4 seats go to locals first
    assert len(winners) == 10  # the club quota's 2 seats went to the open draw
    assert ballot.entries["shares"] == [40, 20]


def test_paid_ballot_winners_hold_their_seat_until_they_pay(make_event):
    event = make_event(title="付费抽签", categories=[
        {"name": "抽签组", "capacity": 3, "mode": "ballot", "fee_cny": Decimal("150"), "waitlist_enabled": True}])
    category = event.categories.get()
    for _ in range(8):
        registration_create(event=event, category=category, rider=UserFactory())
    _close(event)
    ballot = ballot_draw(category=category)
    held = Registration.objects.filter(pk__in=ballot.winners)
    assert {r.status for r in held} == {"awaiting_payment"}
    assert Order.objects.filter(registration__in=held, status="pending", amount_fen=15000).count() == 3


def test_ballot_verify_reproduces_the_draw_from_the_published_data(client, ballot_event, tmp_path):
    event, category = ballot_event
    for _ in range(12):
        registration_create(event=event, category=category, rider=UserFactory())
    _close(event)
    assert client.get(f"/events/{event.slug}/ballot/{category.pk}/entries.json").status_code == 404  # not before
    ballot = ballot_draw(category=category)
    published = client.get(f"/events/{event.slug}/ballot/{category.pk}/entries.json")
    path = tmp_path / "draw.json"
    path.write_bytes(published.content)
    out = StringIO()
    call_command("ballot_verify", event.slug, str(category.pk), ballot.seed, "--data", str(path), stdout=out)
    assert "verified" in out.getvalue() and "10 winners of 12 entries" in out.getvalue()
    with pytest.raises(CommandError, match="commitment"):
        call_command("ballot_verify", event.slug, str(category.pk), "0" * 64, stdout=StringIO())
    tampered = json.loads(published.content)
    tampered["entries"] = tampered["entries"][1:]
    path.write_text(json.dumps(tampered))
    with pytest.raises(CommandError, match="hash"):
        call_command("ballot_verify", event.slug, str(category.pk), ballot.seed, "--data", str(path),
                     stdout=StringIO())


def test_riders_who_did_not_show_up_twice_are_drawn_last_when_the_organizer_chooses(make_event, client, organizer):
    from events.services import checkin_by_id
    # two earlier events where someone checked in (attendance was taken) and our rider did not
    earlier = []
    for n in range(2):
        past = make_event(title=f"往届{n}", categories=[{"name": "组", "capacity": 5}])
        earlier.append(past)
    absent, present = UserFactory(), UserFactory()
    for past in earlier:
        registration_create(event=past, category=past.categories.get(), rider=absent)
        came = registration_create(event=past, category=past.categories.get(), rider=present)[0]
        checkin_by_id(event=past, registration_id=came.pk)
        Event.objects.filter(pk=past.pk).update(starts_at=timezone.now() - datetime.timedelta(days=40),
                                                ends_at=timezone.now() - datetime.timedelta(days=39))
    client.force_login(organizer)
    manage = client.get(f"/events/{earlier[0].slug}/manage/").content.decode()
    assert '<td class="no-shows">2</td>' in manage  # the organizer sees the rider's no-shows
    event = make_event(title="抽签赛", categories=[{"name": "抽签组", "capacity": 3, "mode": "ballot"}])
    category = event.categories.get()
    Ballot.objects.filter(category=category).update(no_shows_last=True)
    mine = registration_create(event=event, category=category, rider=absent)[0]
    others = [registration_create(event=event, category=category, rider=UserFactory())[0] for _ in range(5)]
    _close(event)
    ballot = ballot_draw(category=category)
    assert ballot.entries["later"] == [mine.pk]
    assert mine.pk not in ballot.winners and len(ballot.winners) == 3  # five others come first
    assert Registration.objects.get(pk=mine.pk).draw_position == 6
    assert len(others) == 5


def test_last_years_finishers_have_their_quota(make_event):
    from events.services import checkin_by_id
    last_year = make_event(title="2025千人骑行", categories=[{"name": "组", "capacity": 10}])
    finishers = [UserFactory() for _ in range(3)]
    for rider in finishers:
        registration = registration_create(event=last_year, category=last_year.categories.get(), rider=rider)[0]
        checkin_by_id(event=last_year, registration_id=registration.pk)
        Registration.objects.filter(pk=registration.pk).update(result="finished")
    event = make_event(title="2026千人骑行", categories=[{"name": "抽签组", "capacity": 4, "mode": "ballot"}])
    category = event.categories.get()
    quota_group_add(ballot=Ballot.objects.get(category=category), rule="finished_before", share_percent=50,
                    earlier_event=last_year)
    for rider in finishers + [UserFactory() for _ in range(20)]:
        registration_create(event=event, category=category, rider=rider)
    _close(event)
    ballot = ballot_draw(category=category)
    finisher_entries = set(Registration.objects.filter(event=event, rider__in=finishers).values_list("pk", flat=True))
    assert {pk for pk, groups in ballot.entries["entries"] if groups == [0]} == finisher_entries
    assert len(finisher_entries & set(ballot.winners)) >= 2  # 50% of 4 seats for last year's finishers


def test_the_riders_page_and_sms_say_what_the_draw_decided(client, ballot_event):
    """Issue 25: the winner's page did not say they were selected; the not-selected SMS gave no number."""
    from core import sms
    from core.outbox import send_due

    event, category = ballot_event
    riders = [UserFactory(phone=f"+861390000{i:04d}", phone_verified=True, notify_by="sms") for i in range(12)]
    for rider in riders:
        registration_create(event=event, category=category, rider=rider)
    _close(event)
    sms.sent.clear()
    ballot = ballot_draw(category=category)
    send_due()
    winner = Registration.objects.get(pk=ballot.winners[0])
    loser = Registration.objects.filter(category=category, status="waitlisted").order_by("draw_position").first()
    client.force_login(winner.rider)
    page = client.get(f"/events/registrations/{winner.pk}/", headers={"accept-language": "en"}).content.decode()
    assert 'id="ballot-selected"' in page and "You were selected in the ballot" in page
    client.force_login(loser.rider)
    page = client.get(f"/events/registrations/{loser.pk}/", headers={"accept-language": "en"}).content.decode()
    assert 'id="ballot-not-selected"' in page and 'id="waitlist-position">number 1 on the waitlist' in page
    text = next(m.text for m in sms.sent if m.phone == loser.rider.phone and m.kind == "ballot_waitlisted")
    assert "候补名单第 1 位" in text
    from events.services import registration_cancel

    registration_cancel(registration=winner)  # the first on the waitlist gets the seat: not "selected"
    loser.refresh_from_db()
    assert loser.status == "confirmed"
    page = client.get(f"/events/registrations/{loser.pk}/", headers={"accept-language": "en"}).content.decode()
    assert 'id="ballot-selected"' not in page
