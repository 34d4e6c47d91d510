"""Renaming and reordering the levers of the framework."""

import pytest
from django.core.exceptions import ValidationError

from cem_levers.models import Lever
from cem_levers.services import lever_update, levers_reorder

pytestmark = pytest.mark.django_db


def test_lever_update_renames_in_either_language(org_a):
    lever = Lever.objects.for_org(org_a).get(code="brand_promise")
    lever_update(org=org_a, lever=lever, name_en=" Value proposition ", description_es="Nueva descripción")
    lever.refresh_from_db()
    assert (lever.name_en, lever.description_es, lever.code) == ("Value proposition", "Nueva descripción",
                                                                 "brand_promise")
    assert lever.name_es == "Promesa de marca y propuesta de valor"


def test_lever_keeps_a_name(org_a):
    lever = Lever.objects.for_org(org_a).get(code="brand_promise")
    with pytest.raises(ValidationError) as exc:
        lever_update(org=org_a, lever=lever, name_en="", name_es="  ")
    assert "name_en" in exc.value.message_dict
    lever.refresh_from_db()
    assert lever.name_en


def test_lever_update_refuses_another_organizations_lever(org_a, org_b):
    with pytest.raises(ValidationError) as exc:
        lever_update(org=org_a, lever=Lever.objects.for_org(org_b).first(), name_en="Mine now")
    assert "lever" in exc.value.message_dict


def test_levers_reorder(org_a):
    ids = list(Lever.objects.for_org(org_a).order_by("position").values_list("pk", flat=True))
    levers_reorder(org=org_a, lever_ids=list(reversed(ids)))
    assert list(Lever.objects.for_org(org_a).order_by("position").values_list("pk", flat=True)) == ids[::-1]


def test_levers_reorder_needs_exactly_the_organizations_levers(org_a, org_b):
    ids = list(Lever.objects.for_org(org_a).values_list("pk", flat=True))
    foreign = Lever.objects.for_org(org_b).first().pk
    for bad in (ids[:-1], ids + [ids[0]], ids[:-1] + [foreign]):
        with pytest.raises(ValidationError) as exc:
            levers_reorder(org=org_a, lever_ids=bad)
        assert "lever_ids" in exc.value.message_dict


# --- groups, levers and practices: create, move, deactivate -----------------------------------------

def _codes(org, group_code):
    return list(Lever.objects.for_org(org).filter(group__code=group_code, is_active=True)
                .order_by("position").values_list("code", flat=True))


def test_lever_moves_within_its_group_and_numbers_stay_sequential(org_a):
    from cem_levers.services import lever_move

    lever = Lever.objects.for_org(org_a).get(code="channels_interactions")
    lever_move(org=org_a, lever=lever, direction="up")
    assert _codes(org_a, "brand_interaction") == ["experience_design", "channels_interactions", "brand_promise"]
    lever_move(org=org_a, lever=lever, direction="up")
    lever_move(org=org_a, lever=lever, direction="up")  # already first: nothing happens
    assert _codes(org_a, "brand_interaction") == ["channels_interactions", "experience_design", "brand_promise"]
    positions = list(Lever.objects.for_org(org_a).filter(is_active=True).order_by("group__position", "position")
                     .values_list("position", flat=True))
    assert positions == list(range(1, 11))
    with pytest.raises(ValidationError):
        lever_move(org=org_a, lever=lever, direction="sideways")


def test_lever_moves_to_another_group_and_groups_reorder(org_a):
    from cem_levers.models import LeverGroup
    from cem_levers.services import lever_group_move, lever_move

    lever = Lever.objects.for_org(org_a).get(code="people_culture")
    strategy = LeverGroup.objects.for_org(org_a).get(code="strategy")
    lever_move(org=org_a, lever=lever, group=strategy)
    assert _codes(org_a, "strategy") == ["cx_strategy", "leadership_governance", "people_culture"]
    assert Lever.objects.for_org(org_a).get(code="people_culture").position == 3
    lever_group_move(org=org_a, group=strategy, direction="down")
    order = list(LeverGroup.objects.for_org(org_a).order_by("position").values_list("code", flat=True))
    assert order[:2] == ["customer", "strategy"]
    assert Lever.objects.for_org(org_a).get(code="customer_understanding").position == 1


def test_groups_levers_and_practices_are_created_with_codes(org_a, org_b):
    from cem_levers.models import Practice
    from cem_levers.services import lever_create, lever_group_create, practice_create

    group = lever_group_create(org=org_a, name_en="Partners", name_es="Socios")
    assert group.code == "partners" and group.is_active
    lever = lever_create(org=org_a, group=group, name_en="Supplier experience", description_es="Proveedores")
    assert lever.code == "supplier_experience" and lever.position == 11
    again = lever_create(org=org_a, group=group, name_es="Supplier experience")
    assert again.code == "supplier_experience_2"
    practice = practice_create(org=org_a, lever=lever, name_en="Joint reviews")
    assert practice.code == "supplier_experience.joint_reviews" and practice.position == 1
    assert practice_create(org=org_a, lever=lever, name_en="Scorecard").position == 2
    with pytest.raises(ValidationError) as exc:
        lever_create(org=org_a, group=group, name_en="", name_es=" ")
    assert "name_en" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        lever_create(org=org_a, group=group, name_en="X", code="cx_strategy")
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        lever_create(org=org_a, group=Lever.objects.for_org(org_b).first().group, name_en="X")
    assert "group" in exc.value.message_dict
    with pytest.raises(ValidationError):
        practice_create(org=org_a, lever=Lever.objects.for_org(org_b).first(), name_en="X")
    assert Practice.objects.for_org(org_b).filter(name_en="X").count() == 0


def test_practices_move_and_deactivate(org_a):
    from cem_levers.models import Practice
    from cem_levers.services import practice_move, practice_update

    lever = Lever.objects.for_org(org_a).get(code="cx_strategy")
    first, second, third = lever.practices.order_by("position")
    practice_move(org=org_a, practice=third, direction="up")
    assert list(lever.practices.order_by("position").values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    practice_update(org=org_a, practice=first, is_active=False, name_es="Visión")
    first.refresh_from_db()
    assert (first.is_active, first.name_es) == (False, "Visión")
    assert Practice.objects.for_org(org_a).filter(pk=first.pk).exists()  # never deleted
    # Active practices move among themselves; the inactive one goes after them.
    practice_move(org=org_a, practice=second, direction="up")
    assert list(lever.practices.order_by("position").values_list("pk", flat=True)) == [second.pk, third.pk, first.pk]
    with pytest.raises(ValidationError):
        practice_move(org=org_a, practice=first, direction="up")


def test_deactivating_a_lever_renumbers_the_active_ones(org_a):
    lever = Lever.objects.for_org(org_a).get(code="cx_strategy")
    lever_update(org=org_a, lever=lever, is_active=False)
    assert Lever.objects.for_org(org_a).get(code="leadership_governance").position == 1
    lever.refresh_from_db()
    assert lever.position == 10
