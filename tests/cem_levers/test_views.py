"""Framework pages: lever list by group and lever detail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cem_levers.models import Lever
from cxgov.tenancy.roles import Op
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in

pytestmark = pytest.mark.django_db

LIST = reverse("cem_levers:lever-list")


def _lever(org) -> Lever:
    return Lever.objects.for_org(org).order_by("position").first()


def test_list_and_detail_per_role(org_a, users_a):
    populate(org_a, users_a)
    check_roles(LIST, users_a, Op.PROGRAMME_VIEW)
    check_roles(reverse("cem_levers:lever-detail", args=[_lever(org_a).pk]), users_a, Op.PROGRAMME_VIEW)


def test_anonymous_redirected(client, org_a):
    check_anonymous(client, LIST)
    check_anonymous(client, reverse("cem_levers:lever-detail", args=[_lever(org_a).pk]))


def test_other_organization_lever_is_404(org_a, users_a, org_b):
    check_other_org_404(reverse("cem_levers:lever-detail", args=[_lever(org_b).pk]), users_a["cx_lead"])


def test_list_shows_every_group_and_lever(org_a, users_a):
    html = signed_in(users_a["executive"]).get(LIST).content.decode()
    for lever in Lever.objects.for_org(org_a):
        assert lever.name_en in html


def test_detail_shows_practices_initiatives_metrics_and_score(org_a, users_a):
    created = populate(org_a, users_a)
    lever = created["levers"][0]
    html = signed_in(users_a["executive"]).get(reverse("cem_levers:lever-detail", args=[lever.pk])).content.decode()
    assert lever.practices.first().name_en in html
    assert created["initiatives"][0].title in html
    assert "2.8" in html


def test_list_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), LIST, django_assert_num_queries, 7,
                         grow=lambda: populate(org_a, users_a, n=5))


def test_detail_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    lever = populate(org_a, users_a, n=1)["levers"][0]
    url = reverse("cem_levers:lever-detail", args=[lever.pk])
    check_pinned_queries(signed_in(users_a["cx_lead"]), url, django_assert_num_queries, 11,
                         grow=lambda: populate(org_a, users_a, n=5))


# --- the framework editor --------------------------------------------------------------------------

def test_editor_pages_need_programme_manage(org_a, users_a):
    from cem_levers.models import LeverGroup, Practice

    lever = _lever(org_a)
    group = LeverGroup.objects.for_org(org_a).first()
    practice = Practice.objects.for_org(org_a).first()
    for url in (reverse("cem_levers:lever-edit", args=[lever.pk]), reverse("cem_levers:group-create"),
                reverse("cem_levers:group-edit", args=[group.pk]), reverse("cem_levers:lever-create", args=[group.pk]),
                reverse("cem_levers:practice-create", args=[lever.pk]),
                reverse("cem_levers:practice-edit", args=[practice.pk])):
        check_roles(url, users_a, Op.PROGRAMME_MANAGE)
    response = signed_in(users_a["executive"]).post(reverse("cem_levers:lever-move", args=[lever.pk]),
                                                    {"direction": "down"})
    assert response.status_code == 403


def test_edit_mode_shows_controls_to_managers_only(org_a, users_a):
    lead_html = signed_in(users_a["cx_lead"]).get(LIST + "?edit=1").content.decode()
    assert "Add a lever" in lead_html and "Add a group" in lead_html
    exec_html = signed_in(users_a["executive"]).get(LIST + "?edit=1").content.decode()
    assert "Add a lever" not in exec_html and "Edit the framework" not in exec_html


def test_rename_lever_in_both_languages_and_move_it_to_another_group(org_a, users_a):
    from cem_levers.models import LeverGroup

    lever = Lever.objects.for_org(org_a).get(code="people_culture")
    strategy = LeverGroup.objects.for_org(org_a).get(code="strategy")
    url = reverse("cem_levers:lever-edit", args=[lever.pk])
    client = signed_in(users_a["cx_lead"])
    response = client.post(url, {"name_en": "", "name_es": "", "group": strategy.pk, "is_active": "on"})
    assert response.status_code == 400
    assert "Give a name in English or Spanish." in response.content.decode()
    response = client.post(url, {"name_en": "People", "name_es": "Personas", "description_en": "Staff first",
                                 "description_es": "", "group": strategy.pk, "is_active": "on"})
    assert response.status_code == 302
    lever.refresh_from_db()
    assert (lever.name_en, lever.name_es, lever.group_id, lever.position) == ("People", "Personas", strategy.pk, 3)


def test_move_buttons_reorder_without_javascript(org_a, users_a):
    lever = Lever.objects.for_org(org_a).get(code="leadership_governance")
    client = signed_in(users_a["cx_lead"])
    response = client.post(reverse("cem_levers:lever-move", args=[lever.pk]), {"direction": "up"})
    assert response.status_code == 302 and response.url.endswith(f"#lever-{lever.pk}")
    assert Lever.objects.for_org(org_a).get(code="leadership_governance").position == 1
    response = client.post(reverse("cem_levers:lever-move", args=[lever.pk]), {"direction": "left"}, follow=True)
    assert "Move up or down." in response.content.decode()


def test_add_practice_and_deactivate_it(org_a, users_a):
    from cem_levers.models import Practice

    lever = _lever(org_a)
    client = signed_in(users_a["cx_lead"])
    response = client.post(reverse("cem_levers:practice-create", args=[lever.pk]),
                           {"name_en": "Quarterly review", "name_es": "Revisión trimestral", "is_active": "on"})
    assert response.status_code == 302
    practice = Practice.objects.for_org(org_a).get(name_en="Quarterly review")
    assert practice.lever_id == lever.pk and practice.is_active
    client.post(reverse("cem_levers:practice-edit", args=[practice.pk]),
                {"name_en": "Quarterly review", "name_es": "Revisión trimestral"})
    practice.refresh_from_db()
    assert not practice.is_active
    html = client.get(reverse("cem_levers:lever-detail", args=[lever.pk])).content.decode()
    assert "Quarterly review" in html and "Inactive" in html


def test_lever_page_shows_target_trend_and_raci_link(org_a, users_a):
    from decimal import Decimal

    from django.utils import timezone

    from maturity.services import lever_target_set
    from tests import factories as f

    created = populate(org_a, users_a, n=1)
    lever = created["levers"][0]
    earlier = f.MaturitySnapshotFactory(organization=org_a, computed_at=timezone.now() - timezone.timedelta(days=30))
    f.LeverScoreFactory(organization=org_a, snapshot=earlier, lever=lever, score=Decimal("2.25"))
    lever_target_set(org=org_a, lever=lever, target_level=4)
    html = signed_in(users_a["executive"]).get(reverse("cem_levers:lever-detail", args=[lever.pk])).content.decode()
    assert "+0.50" in html  # 2.75 now, 2.25 before
    assert "4 / 5" in html and "1.25" in html  # target and gap
    assert reverse("governance:raci") + f"?lever={lever.pk}" in html
