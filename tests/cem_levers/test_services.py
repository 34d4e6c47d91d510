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
