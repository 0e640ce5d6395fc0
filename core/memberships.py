"""Club membership, as the apps below clubs see it: answered by the clubs app.

Clubs are built on routes and events (club rides are events, team entries are registrations,
club routes are routes), so routes and events cannot import clubs. They ask here instead;
ClubsConfig.ready() registers clubs.selectors as the answer. Until it does (or in a project
without clubs) nobody is a member or an admin of any club.
"""

from __future__ import annotations

from typing import Any, Protocol


class MembershipDirectory(Protocol):
    def is_active_member(self, *, club_id: int, user: Any) -> bool: ...

    def is_club_admin(self, *, club_id: int, user: Any) -> bool: ...

    def club_ids_of_member(self, *, user: Any) -> list[int]: ...

    def clubs_administered_by(self, *, user: Any) -> list: ...

    def club_names(self) -> dict[str, str]: ...

    def members_among(self, *, user_ids: list[int]) -> set[int]: ...


class _NoClubs:
    def is_active_member(self, *, club_id: int, user: Any) -> bool:
        return False

    def is_club_admin(self, *, club_id: int, user: Any) -> bool:
        return False

    def club_ids_of_member(self, *, user: Any) -> list[int]:
        return []

    def clubs_administered_by(self, *, user: Any) -> list:
        return []

    def club_names(self) -> dict[str, str]:
        return {}

    def members_among(self, *, user_ids: list[int]) -> set[int]:
        return set()


directory: MembershipDirectory = _NoClubs()


def register(provider: MembershipDirectory) -> None:
    global directory
    directory = provider
