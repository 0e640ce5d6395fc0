"""Club fixtures: one club with a member of every kind, and a second club with its own admin."""

import pytest

from clubs.models import Membership
from clubs.services import club_create, membership_apply, membership_set_role
from tests.factories import UserFactory
from tests.helpers import join


@pytest.fixture
def world(db):
    owner = UserFactory(username="owner", mobile="+8613900000001", emergency_contact_name="车主家人")
    club = club_create(founder=owner, name="广宗骑行", name_en="Guangzong Riders", join_policy="approval",
                       member_list_visibility="members")
    admin = UserFactory(username="admin")
    membership_set_role(membership=join(club=club, user=admin), role=Membership.Role.ADMIN)
    member = UserFactory(username="member", mobile="+8613900000002")
    join(club=club, user=member)
    pending = UserFactory(username="pending")
    membership_apply(club=club, user=pending, message="请让我加入")
    other_owner = UserFactory(username="otheradmin")
    other = club_create(founder=other_owner, name="平乡车友会", name_en="Pingxiang Riders")
    return {
        "club": club, "other": other, "anonymous": None, "rider": UserFactory(username="rider"),
        "pending": pending, "member": member, "admin": admin, "owner": owner, "other_admin": other_owner,
        "staff": UserFactory(username="staff", is_staff=True),
    }
