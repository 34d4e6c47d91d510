"""Governance bodies and their members."""

import pytest
from django.core.exceptions import ValidationError

from governance.models import Body
from governance.services import body_create, body_member_add
from tests.factories import BodyFactory

pytestmark = pytest.mark.django_db


def test_body_create_defaults_the_level_from_the_kind(org_a):
    sponsor = body_create(org=org_a, kind=Body.Kind.EXECUTIVE_SPONSOR, name="Sponsor")
    ambassadors = body_create(org=org_a, kind=Body.Kind.AMBASSADORS, name="Ambassadors")
    assert (sponsor.level, ambassadors.level) == ("strategic", "operational")
    assert ambassadors.position == sponsor.position + 1
    with pytest.raises(ValidationError) as exc:
        body_create(org=org_a, kind=Body.Kind.CORE_TEAM, name="Sponsor")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        body_create(org=org_a, kind="board", name="Board")
    assert "kind" in exc.value.message_dict


def test_member_is_a_user_of_the_organization_or_a_named_person(org_a, users_a, users_b):
    body = body_create(org=org_a, kind=Body.Kind.STEERING_COMMITTEE, name="Steering")
    member = body_member_add(org=org_a, body=body, user=users_a["executive"], role_in_body="chair")
    person = body_member_add(org=org_a, body=body, name="Elena Martín", title="CFO")
    assert member.display_name == str(users_a["executive"]) and person.display_name == "Elena Martín"
    with pytest.raises(ValidationError) as exc:
        body_member_add(org=org_a, body=body, user=users_b["executive"])
    assert "user" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        body_member_add(org=org_a, body=body, user=users_a["executive"])
    assert "user" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        body_member_add(org=org_a, body=body, name="  ")
    assert "name" in exc.value.message_dict


def test_member_of_another_organizations_body_is_refused(org_a, org_b):
    with pytest.raises(ValidationError) as exc:
        body_member_add(org=org_a, body=BodyFactory(organization=org_b), name="Someone")
    assert "body" in exc.value.message_dict


# --- the five bodies -----------------------------------------------------------------------------

def test_standard_bodies_fill_only_the_missing_kinds_and_are_idempotent(org_a):
    from governance.services import bodies_standard_ensure

    body_create(org=org_a, kind=Body.Kind.CORE_TEAM, name="Our CX team")
    created = bodies_standard_ensure(org=org_a)
    assert sorted(b.kind for b in created) == sorted(
        ["executive_sponsor", "steering_committee", "working_group", "ambassadors"]
    )
    assert {b.kind: b.level for b in created}["ambassadors"] == "operational"
    assert bodies_standard_ensure(org=org_a) == []
    assert Body.objects.for_org(org_a).count() == 5


def test_body_update_keeps_names_unique(org_a):
    from governance.services import body_update

    first = body_create(org=org_a, kind=Body.Kind.CORE_TEAM, name="Core")
    second = body_create(org=org_a, kind=Body.Kind.WORKING_GROUP, name="Group")
    with pytest.raises(ValidationError) as exc:
        body_update(org=org_a, body=second, kind="working_group", level="tactical", name="Core")
    assert "name" in exc.value.message_dict
    body_update(org=org_a, body=first, kind="core_team", level="strategic", name="Core team", cadence="Weekly")
    first.refresh_from_db()
    assert (first.name, first.level, first.cadence) == ("Core team", "strategic", "Weekly")
