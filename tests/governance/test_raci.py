"""The RACI matrix: exactly one Accountable per row (create, change, delete, the grid), parties and
subjects of another organization refused like missing ones."""

import pytest
from django.core.exceptions import ValidationError

from cem_levers.models import Lever
from governance.models import RaciAssignment
from governance.selectors import raci_for_object, raci_grid
from governance.services import (
    body_member_add,
    body_member_remove,
    raci_assignment_delete,
    raci_assignment_set,
    raci_assignment_update,
    raci_matrix_save,
)
from tests.factories import BodyFactory, BodyMemberFactory, InitiativeFactory, JourneyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lever(org_a):
    return Lever.objects.for_org(org_a).order_by("position").first()


def test_a_row_needs_its_accountable_first(org_a, lever):
    body = BodyFactory(organization=org_a)
    with pytest.raises(ValidationError) as exc:
        raci_assignment_set(org=org_a, subject=lever, party=body, role="R")
    message = exc.value.message_dict["role"][0]
    assert str(lever) in message and "no Accountable" in message
    assert not RaciAssignment.objects.for_org(org_a).exists()


def test_exactly_one_accountable_on_create_and_change(org_a, users_a, lever):
    body, other = BodyFactory(organization=org_a), BodyFactory(organization=org_a)
    accountable = raci_assignment_set(org=org_a, subject=lever, party=body, role="A")
    responsible = raci_assignment_set(org=org_a, subject=lever, party=users_a["cx_lead"], role="R")
    with pytest.raises(ValidationError) as exc:
        raci_assignment_set(org=org_a, subject=lever, party=other, role="A")
    assert "2 Accountables" in exc.value.message_dict["role"][0] and str(lever) in exc.value.message_dict["role"][0]
    with pytest.raises(ValidationError):
        raci_assignment_update(org=org_a, assignment=responsible, subject=lever, party=users_a["cx_lead"], role="A")
    # Moving the A to someone else in two steps is refused at the first; setting the cell again is fine.
    raci_assignment_set(org=org_a, subject=lever, party=body, role="A")
    assert sorted(RaciAssignment.objects.for_org(org_a).values_list("role", flat=True)) == ["A", "R"]
    with pytest.raises(ValidationError) as exc:
        raci_assignment_delete(org=org_a, assignment=accountable)
    assert "no Accountable" in exc.value.message_dict["role"][0]
    raci_assignment_delete(org=org_a, assignment=RaciAssignment.objects.for_org(org_a).get(pk=responsible.pk))
    raci_assignment_delete(org=org_a, assignment=accountable)
    assert not RaciAssignment.objects.for_org(org_a).exists()


def test_parties_and_subjects_of_another_organization_are_refused(org_a, org_b, users_b, lever):
    foreign_member = BodyMemberFactory(organization=org_b)
    for party in (BodyFactory(organization=org_b), foreign_member, users_b["cx_lead"]):
        with pytest.raises(ValidationError) as exc:
            raci_assignment_set(org=org_a, subject=lever, party=party, role="A")
        assert list(exc.value.message_dict.values())[0] == ["Not found in this organization."]
    foreign_lever = Lever.objects.for_org(org_b).first()
    with pytest.raises(ValidationError) as exc:
        raci_assignment_set(org=org_a, subject=foreign_lever, party=BodyFactory(organization=org_a), role="A")
    assert exc.value.message_dict == {"lever": ["Not found in this organization."]}
    assert not RaciAssignment.objects.for_org(org_a).exists()


def test_a_member_with_a_login_is_stored_as_the_user(org_a, users_a, lever):
    body = BodyFactory(organization=org_a)
    member = body_member_add(org=org_a, body=body, user=users_a["executive"])
    assignment = raci_assignment_set(org=org_a, subject=lever, party=member, role="A")
    assert (assignment.user_id, assignment.member_id) == (users_a["executive"].pk, None)
    named = body_member_add(org=org_a, body=body, name="Elena")
    second = raci_assignment_set(org=org_a, subject=lever, party=named, role="C")
    assert second.member_id == named.pk
    entries = raci_for_object(org=org_a, obj=lever)
    assert [(e.role, e.name, e.kind) for e in entries] == [
        ("A", str(users_a["executive"]), "user"), ("C", "Elena", "member"),
    ]
    party, role = entries[0]
    assert party == users_a["executive"] and role == "A"
    # A person without a login who is Accountable somewhere cannot leave the body before someone
    # else takes the A; a member with a login keeps their cells as the user.
    other_lever = Lever.objects.for_org(org_a).order_by("position")[1]
    raci_assignment_set(org=org_a, subject=other_lever, party=named, role="A")
    with pytest.raises(ValidationError) as exc:
        body_member_remove(org=org_a, member=named)
    assert "Elena" in exc.value.message_dict["member"][0] and str(other_lever) in exc.value.message_dict["member"][0]
    body_member_remove(org=org_a, member=member)
    assert len(raci_for_object(org=org_a, obj=lever)) == 2


def test_raci_for_object_of_another_organization_is_empty(org_a, org_b, lever):
    raci_assignment_set(org=org_a, subject=lever, party=BodyFactory(organization=org_a), role="A")
    assert len(raci_for_object(org=org_a, obj=lever)) == 1
    assert raci_for_object(org=org_b, obj=lever) == []
    assert raci_for_object(org=org_a, obj=BodyFactory(organization=org_a)) == []


def test_matrix_save_is_all_or_nothing_and_names_each_bad_row(org_a, users_a, lever):
    journey = JourneyFactory(organization=org_a, name="Open an account")
    initiative = InitiativeFactory(organization=org_a, title="Simplify onboarding")
    body = BodyFactory(organization=org_a)
    user_col = f"user:{users_a['cx_lead'].pk}"
    cells = {
        (f"lever:{lever.pk}", f"body:{body.pk}"): "A",
        (f"lever:{lever.pk}", user_col): "R",
        (f"journey:{journey.pk}", f"body:{body.pk}"): "R",  # no A
        (f"initiative:{initiative.pk}", f"body:{body.pk}"): "A",
        (f"initiative:{initiative.pk}", user_col): "A",  # two A
    }
    with pytest.raises(ValidationError) as exc:
        raci_matrix_save(org=org_a, cells=cells)
    messages = exc.value.message_dict["raci"]
    assert len(messages) == 2
    assert any("Open an account" in m and "no Accountable" in m for m in messages)
    assert any("Simplify onboarding" in m and "2 Accountables" in m for m in messages)
    assert not RaciAssignment.objects.for_org(org_a).exists()

    cells[(f"journey:{journey.pk}", user_col)] = "A"
    cells[(f"initiative:{initiative.pk}", user_col)] = "I"
    assert raci_matrix_save(org=org_a, cells=cells) == 6
    assert raci_matrix_save(org=org_a, cells=cells) == 0
    # Emptying a whole row is allowed; emptying only its A is not.
    with pytest.raises(ValidationError):
        raci_matrix_save(org=org_a, cells={(f"lever:{lever.pk}", f"body:{body.pk}"): ""})
    raci_matrix_save(org=org_a, cells={(f"lever:{lever.pk}", f"body:{body.pk}"): "",
                                       (f"lever:{lever.pk}", user_col): ""})
    assert RaciAssignment.objects.for_org(org_a).filter(lever=lever).count() == 0
    columns, rows = raci_grid(org=org_a)
    journey_row = next(r for r in rows if r.key == f"journey:{journey.pk}")
    assert dict(journey_row.cells)[user_col] == "A" and dict(journey_row.cells)[f"body:{body.pk}"] == "R"


def test_matrix_save_refuses_columns_of_another_organization(org_a, org_b, users_b, lever):
    foreign = BodyFactory(organization=org_b)
    for column in (f"body:{foreign.pk}", f"user:{users_b['cx_lead'].pk}", "member:999999", "team:1"):
        with pytest.raises(ValidationError):
            raci_matrix_save(org=org_a, cells={(f"lever:{lever.pk}", column): "A"})
    assert not RaciAssignment.objects.for_org(org_a).exists()
    assert not RaciAssignment.objects.for_org(org_b).exists()
