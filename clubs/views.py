"""Club pages: list, found, club page, apply/leave, admin pages, roster CSV, rides, team entries.

Views call one service inside core.views.shown_on, which shows a refusal; they catch nothing."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import rider_by_username
from clubs import services
from clubs.forms import (
    SHARE_CONTACT_LABEL,
    AddMemberForm,
    AnnouncementForm,
    ApplyForm,
    ClubForm,
    ClubRideForm,
    MemberActionForm,
    TeamEntryForm,
)
from clubs.models import Club, Membership
from clubs.selectors import (
    applications_pending,
    club_for_admin,
    club_get,
    club_rides,
    clubs_public,
    invitations_open,
    is_club_admin,
    members_of,
    membership_in,
    membership_of,
    roster_for,
)
from core.csv import csv_response
from core.views import form_errors_flashed, shown_on
from events.selectors import category_of, event_get
from routes.selectors import routes_for_events


def club_list(request: HttpRequest) -> HttpResponse:
    return render(request, "clubs/club_list.html", {"clubs": clubs_public()})


@login_required
def club_create(request: HttpRequest) -> HttpResponse:
    form = ClubForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        club = services.club_create(founder=request.user, **form.cleaned_data)
        messages.success(request, _("Your club was founded. You are its owner."))
        return redirect("clubs:detail", slug=club.slug)
    return render(request, "clubs/club_form.html", {"form": form})


def club_detail(request: HttpRequest, slug: str) -> HttpResponse:
    club = club_get(slug=slug)
    upcoming, recent = club_rides(club=club)
    membership = membership_of(club=club, user=request.user)
    return render(request, "clubs/club_detail.html", {
        "club": club, "membership": membership,
        "roster": roster_for(club=club, viewer=request.user), "upcoming": upcoming, "recent": recent,
        "is_admin": is_club_admin(club_id=club.pk, user=request.user), "apply_form": ApplyForm(),
        "share_contact_label": SHARE_CONTACT_LABEL,
        "today": timezone.localdate(),
        "announcements": club.announcements.all()[:5] if membership and membership.state == Membership.State.ACTIVE
        else [],
    })


@login_required
@require_POST
def dues_pay(request: HttpRequest, slug: str) -> HttpResponse:
    """A member pays the next dues period online: the order, then the pay page."""
    club = club_get(slug=slug)
    membership = membership_of(club=club, user=request.user)
    if membership is None:
        raise Http404
    with shown_on(request) as outcome:
        order = services.dues_order(membership=membership)
    if outcome.ok:
        return redirect("payments:order", pk=order.pk)
    return redirect("clubs:detail", slug=club.slug)


@login_required
@require_POST
def club_apply(request: HttpRequest, slug: str) -> HttpResponse:
    club = club_get(slug=slug)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        form_errors_flashed(request, form)
        return redirect("clubs:detail", slug=club.slug)
    with shown_on(request) as outcome:
        membership = services.membership_apply(club=club, user=request.user, message=form.cleaned_data["message"],
                                               share_contact=form.cleaned_data["share_contact"])
    if outcome.ok:
        messages.success(request, _("Welcome to the club!") if membership.state == Membership.State.ACTIVE
                         else _("Your application was sent to the club's admins."))
    return redirect("clubs:detail", slug=club.slug)


@login_required
@require_POST
def club_invitation(request: HttpRequest, slug: str) -> HttpResponse:
    """The invited rider accepts or declines."""
    club = club_get(slug=slug)
    accept = request.POST.get("answer") == "accept"
    with shown_on(request) as outcome:
        services.membership_invitation_answer(club=club, user=request.user, accept=accept,
                                              share_contact=request.POST.get("share_contact") == "on")
    if outcome.ok:
        messages.success(request, _("Welcome to the club!") if accept else _("You declined the invitation."))
    return redirect("clubs:detail", slug=club.slug)


@login_required
@require_POST
def club_share(request: HttpRequest, slug: str) -> HttpResponse:
    """The member gives or withdraws consent to show their contact details to the club's admins."""
    club = club_get(slug=slug)
    share = request.POST.get("share") == "1"
    with shown_on(request) as outcome:
        services.membership_share_contact(club=club, user=request.user, share=share)
    if outcome.ok:
        messages.success(request, _("The club's admins now see your contact details.") if share
                         else _("The club's admins no longer see your contact details."))
    return redirect("clubs:detail", slug=club.slug)


@login_required
@require_POST
def club_leave(request: HttpRequest, slug: str) -> HttpResponse:
    club = club_get(slug=slug)
    with shown_on(request) as outcome:
        services.membership_leave_club(club=club, user=request.user)
    if outcome.ok:
        messages.success(request, _("You left the club."))
    return redirect("clubs:detail", slug=club.slug)


MEMBERS_PAGE = 100


@login_required
def club_manage(request: HttpRequest, slug: str) -> HttpResponse:
    club = club_for_admin(slug=slug, user=request.user)
    if request.method == "POST":
        if "username" in request.POST:
            _add_member(request, club)
        else:
            _member_action(request, club)
        return redirect("clubs:manage", slug=club.slug)
    roster = roster_for(club=club, viewer=request.user)
    # the members a page at a time: three forms each (issue 27: 1.24 MB at 1,000 members)
    members = Paginator(roster.memberships if roster else [], MEMBERS_PAGE).get_page(request.GET.get("page"))
    return render(request, "clubs/club_manage.html", {
        "club": club, "pending": applications_pending(club=club), "roster": roster, "members": members,
        "club_form": ClubForm(instance=club), "add_form": AddMemberForm(), "roles": Membership.Role.choices,
        "invited": invitations_open(club=club),
        "today": timezone.localdate(),
    })


def _add_member(request: HttpRequest, club: Club) -> None:
    form = AddMemberForm(request.POST)
    with shown_on(request) as outcome:
        services.membership_invite(club=club, user=rider_by_username(username=form.data.get("username", "")))
    if outcome.ok:
        messages.success(request, _("Invitation sent. The rider joins when they accept."))


def _member_action(request: HttpRequest, club: Club) -> None:
    form = MemberActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That action is not possible."))
        return
    data = dict(form.cleaned_data)
    membership = membership_in(club=club, membership_id=data.pop("membership"))
    with shown_on(request) as outcome:
        services.membership_act(membership=membership, actor=request.user, **data)
    if outcome.ok:
        name = membership.user.public_name
        messages.success(request, {
            "approve": _("%(name)s is now a member."), "reject": _("The application of %(name)s was declined."),
            "remove": _("%(name)s was removed from the club."), "role": _("The role of %(name)s was changed."),
            "dues": _("The dues of %(name)s were saved."),
        }[data["action"]] % {"name": name})


@login_required
def club_edit(request: HttpRequest, slug: str) -> HttpResponse:
    club = club_for_admin(slug=slug, user=request.user)
    form = ClubForm(request.POST or None, instance=club)
    if request.method == "POST" and form.is_valid():
        services.club_update(club=club, **form.cleaned_data)
        return redirect("clubs:detail", slug=club.slug)
    return render(request, "clubs/club_form.html", {"form": form, "club": club})


@login_required
def roster_csv(request: HttpRequest, slug: str) -> HttpResponse:
    club = club_for_admin(slug=slug, user=request.user)
    roster = roster_for(club=club, viewer=request.user)
    return csv_response(f"club-{club.pk}-roster", [
        _("Username"), _("Display name"), _("Real name"), _("Role"), _("Mobile"), _("E-mail"), _("Emergency contact"),
        _("Emergency phone"), _("Dues paid until"),
    ], ([m.user.username, m.user.display_name, m.contact["real_name"], m.get_role_display(), m.contact["mobile"],
         m.contact["email"], m.contact["emergency_contact_name"], m.contact["emergency_contact_phone"],
         m.paid_until or ""] for m in _batches(roster.memberships)))


def _batches(members: QuerySet[Membership] | list[Membership]) -> Iterable[Membership]:
    """A query read 500 rows at a time while the CSV streams (memory flat in the members)."""
    return members.iterator(chunk_size=500) if isinstance(members, QuerySet) else members


@login_required
def announcement_create(request: HttpRequest, slug: str) -> HttpResponse:
    club = club_for_admin(slug=slug, user=request.user)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.announcement_create(club=club, author=request.user, **form.cleaned_data)
        messages.success(request, _("The announcement is being sent to every member."))
        return redirect("clubs:detail", slug=club.slug)
    return render(request, "clubs/announcement_form.html", {"club": club, "form": form})


@login_required
def ride_create(request: HttpRequest, slug: str) -> HttpResponse:
    club = club_for_admin(slug=slug, user=request.user)
    routes = routes_for_events(user=request.user)
    form = ClubRideForm(request.POST or None, routes=routes)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        route = fields.pop("route")
        with shown_on(form) as outcome:
            event = services.club_ride_create(club=club, created_by=request.user,
                                              route_version=route.current_version if route else None, **fields)
        if outcome.ok:
            return redirect("events:detail", slug=event.slug)
    return render(request, "clubs/ride_form.html", {"club": club, "form": form})


@login_required
def team_entry(request: HttpRequest, slug: str, event_slug: str) -> HttpResponse:
    club = club_for_admin(slug=slug, user=request.user)
    event = event_get(slug=event_slug, user=request.user)
    form = TeamEntryForm(request.POST or None, members_queryset=members_of(club=club))
    if request.method == "POST" and form.is_valid():
        category = category_of(event=event, category_id=form.cleaned_data["category"])
        with shown_on(request) as outcome:
            entries = services.team_entry_create(club=club, category=category,
                                                 members=list(form.cleaned_data["members"]))
        if outcome.ok:
            messages.success(request, _("%(count)s members entered.") % {"count": len(entries)})
            return redirect("events:detail", slug=event.slug)
    return render(request, "clubs/team_entry.html", {"club": club, "event": event, "form": form,
                                                     "categories": event.categories.all()})
