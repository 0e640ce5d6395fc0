"""Ballots (抽签): entries in the registration window, a committed seed, a public draw with quota
groups, winners paying (or confirmed, when free) and everyone else on the waitlist in draw order,
so that unpaid winners' seats pass on as waitlist offers (seats.promote)."""

from __future__ import annotations

import datetime
import secrets

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import HomeArea
from core import memberships, outbox, transitions
from core.errors import ServiceError
from events import ballot as draw_rules
from events import payments_port
from events.models import Ballot, Category, Event, QuotaGroup, Registration
from events.selectors import no_shows
from events.selectors.extras import fee_in_force, new_entry_fen
from events.services.errors import RegistrationCode
from events.services.outbox import TOPIC as MAIL_TOPIC
from events.services.seats import lock_category, recount

XINGTAI = [value for value in HomeArea.values if value != HomeArea.OTHER]
NO_SHOWS_LATER = 2  # no-shows in 12 months that put an entry behind the others (when the organizer chose it)


def ballot_setup(*, category: Category) -> Ballot:
    """The ballot of a category in ballot mode: its seed chosen now, only the commitment shown."""
    ballot = Ballot.objects.filter(category=category).first()
    if ballot is None:
        seed = secrets.token_hex(32)
        ballot = Ballot.objects.create(category=category, seed=seed, commitment=draw_rules.commitment(seed))
    return ballot


def ballot_no_shows_last(*, category: Category, on: bool) -> int:
    """The organizer's choice to draw repeated no-shows last (fixed once drawn)."""
    return Ballot.objects.filter(category=category, drawn_at__isnull=True).update(no_shows_last=on)


def quota_group_add(*, ballot: Ballot, rule: str, share_percent: int, earlier_event: Event | None = None) -> QuotaGroup:
    if ballot.drawn_at:
        raise ServiceError(_("The draw has been made: its quota groups are fixed."), RegistrationCode.BALLOT_DRAWN)
    if rule not in QuotaGroup.Rule.values:
        raise ServiceError(_("Choose who the quota is for."), RegistrationCode.BALLOT_QUOTA, field="rule")
    if rule == QuotaGroup.Rule.FINISHED_BEFORE and earlier_event is None:
        raise ServiceError(_("Choose the earlier edition."), RegistrationCode.BALLOT_QUOTA, field="earlier_event")
    taken = sum(ballot.quota_groups.values_list("share_percent", flat=True))
    if share_percent <= 0 or taken + share_percent > 100:
        raise ServiceError(_("The quota groups can share at most 100%% of the seats (%(left)s%% left).")
                           % {"left": 100 - taken}, RegistrationCode.BALLOT_QUOTA, field="share_percent")
    return QuotaGroup.objects.create(ballot=ballot, rule=rule, share_percent=share_percent,
                                     earlier_event=earlier_event, position=ballot.quota_groups.count())


def _qualifying(groups: list[QuotaGroup], entries: list[tuple[int, int, str]]) -> dict[int, list[int]]:
    """For each entry, the positions of the quota groups whose rule it meets (computed once, at the
    draw, and published with the entries)."""
    rider_ids = [rider for _pk, rider, _area in entries]
    met: dict[int, set[int]] = {}
    for position, group in enumerate(groups):
        if group.rule == QuotaGroup.Rule.XINGTAI:
            met[position] = {rider for _pk, rider, area in entries if area in XINGTAI}
        elif group.rule == QuotaGroup.Rule.CLUB_MEMBERS:
            met[position] = memberships.directory.members_among(user_ids=rider_ids)
        else:
            met[position] = set(Registration.objects.filter(
                event=group.earlier_event, result=Registration.Result.FINISHED).values_list("rider_id", flat=True))
    return {pk: [position for position in sorted(met) if rider in met[position]] for pk, rider, _area in entries}


def ballot_draw(*, category: Category, now: datetime.datetime | None = None) -> Ballot:
    """Draw, once the registration window has closed: the seed is revealed, the entries published
    with their hash, the winners hold seats (to pay within the event's offer window, or confirmed
    when free), everyone else waits in draw order. Everyone is told."""
    now = now or timezone.now()
    with transaction.atomic():
        category = lock_category(category)
        event = category.event
        ballot = Ballot.objects.select_for_update().get(category=category)
        if ballot.drawn_at:
            raise ServiceError(_("The draw has been made already."), RegistrationCode.BALLOT_DRAWN)
        if now <= event.registration_closes_at and not event.registration_paused:  # "close now" closes it
            raise ServiceError(_("The draw comes after the registration window closes."),
                               RegistrationCode.BALLOT_OPEN)
        entries = list(Registration.objects.filter(category=category, status=Registration.Status.ENTERED)
                       .order_by("pk").values_list("pk", "rider_id", "rider__home_area"))
        groups = list(ballot.quota_groups.select_related("earlier_event"))
        qualifying = _qualifying(groups, entries)
        free_seats = max(0, category.capacity - category.confirmed_count - category.code_seats)
        data: dict = {"capacity": free_seats, "shares": [g.share_percent for g in groups],
                      "entries": [[pk, qualifying[pk]] for pk, _rider, _area in entries]}
        if ballot.no_shows_last:
            missed = no_shows(rider_ids=[rider for _pk, rider, _area in entries], now=now)
            data["later"] = sorted(pk for pk, rider, _area in entries if missed.get(rider, 0) >= NO_SHOWS_LATER)
        order, winners = draw_rules.draw(data, ballot.seed)
        _write(category, event, order, set(winners), now)
        ballot.drawn_at, ballot.entries, ballot.entries_hash, ballot.winners = (
            now, data, draw_rules.data_hash(data), winners)
        ballot.save(update_fields=["drawn_at", "entries", "entries_hash", "winners"])
        recount(category)
    return ballot


def _write(category: Category, event: Event, order: list[int], winners: set[int], now: datetime.datetime) -> None:
    """Every entry's place in the draw and its outcome, in a few statements; winners' bibs in draw order."""
    first_bib = category.next_bib
    if first_bib + len(winners) - 1 > category.bib_end:
        raise ServiceError(_("The category has too few bib numbers left for the winners."),
                           RegistrationCode.BIBS_EXHAUSTED)
    fee = fee_in_force(category, now).fee_fen  # the fee in force at the draw (price tiers)
    covers = dict(Registration.objects.filter(pk__in=winners).values_list("pk", "insurance"))
    due = {pk: new_entry_fen(event=event, fee_fen=fee, cover=covers.get(pk, "")) for pk in winners}
    hold = now + datetime.timedelta(hours=event.offer_hours)
    rows: list[tuple] = []
    bib = first_bib
    for position, pk in enumerate(order, start=1):
        if pk in winners:
            paying = due[pk] > 0
            rows.append((pk, Registration.Status.AWAITING if paying else Registration.Status.CONFIRMED, position,
                         now, bib, hold if paying else None, None if paying else now))
            bib += 1
        else:  # the waitlist keeps the draw order (promote() takes the earliest queued_at)
            rows.append((pk, Registration.Status.WAITLISTED, position,
                         now + datetime.timedelta(microseconds=position), None, None, None))
    transitions.record(Registration, ((pk, Registration.Status.ENTERED, status) for pk, status, *_rest in rows),
                       table=Registration.TRANSITIONS, why="ballot draw")  # checked, then written in one go
    _bulk_set(rows)
    Category.objects.filter(pk=category.pk).update(next_bib=F("next_bib") + len(winners))
    Registration.objects.filter(pk__in=winners).update(price_fen=fee)
    to_pay = [pk for pk in winners if due[pk] > 0]
    for registration in Registration.objects.filter(pk__in=to_pay).select_related("event", "category", "rider"):
        payments_port.seat_money.seat_held(registration=registration, amount_fen=due[registration.pk],
                                           deadline=hold)
    status = {pk: status for pk, status, *_rest in rows}
    outbox.enqueue_many((MAIL_TOPIC, status[pk] if pk in winners else "ballot_waitlisted", pk, None, None)
                        for pk in order)


def _bulk_set(rows: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        columns: list = list(zip(*rows, strict=True)) if rows else [[]] * 7
        with connection.cursor() as cursor:
            cursor.execute("""
                UPDATE events_registration AS r
                SET status = d.status, draw_position = d.pos, queued_at = d.queued, bib = d.bib,
                    hold_expires_at = d.hold, confirmed_at = d.confirmed
                FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::timestamptz[], %s::int[],
                            %s::timestamptz[], %s::timestamptz[]) AS d(id, status, pos, queued, bib, hold, confirmed)
                WHERE r.id = d.id""", [list(column) for column in columns])
        return
    objs = [Registration(pk=pk, status=status, draw_position=pos, queued_at=queued, bib=bib, hold_expires_at=hold,
                         confirmed_at=confirmed) for pk, status, pos, queued, bib, hold, confirmed in rows]
    Registration.objects.bulk_update(objs, ["status", "draw_position", "queued_at", "bib", "hold_expires_at",
                                            "confirmed_at"], batch_size=500)


def ballot_verify(*, ballot: Ballot, seed: str, data: dict | None = None) -> tuple[bool, str]:
    """Re-run a draw from its published data and the revealed seed: (matches, what was checked)."""
    data = data if data is not None else ballot.entries
    if draw_rules.commitment(seed) != ballot.commitment:
        return False, "the seed does not match the published commitment"
    if draw_rules.data_hash(data) != ballot.entries_hash:
        return False, "the entries do not match the published hash"
    _order, winners = draw_rules.draw(data, seed)
    if winners != ballot.winners:
        return False, "the winners differ"
    return True, f"{len(winners)} winners of {len(data['entries'])} entries reproduced"
