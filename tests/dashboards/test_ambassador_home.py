"""The ambassador's home: the feedback form one tap away, their touchpoints with this month's
scores (rollups, n, target colours as on the journey map), their own entries; fixed query count;
another organization's data never shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxgov.tenancy.models import Organization, User
from tests import factories as f
from tests.dashboards.pages import ALL_ROLES, signed_in
from voc.models import Metric, Rollup, TouchpointUserObjectPermission
from voc.selectors import org_today, previous_month_start
from voc.services import touchpoint_ambassadors_set

pytestmark = pytest.mark.django_db

HOME = reverse("home")
LOG = reverse("voc:feedback-log")


def _metric(org: Organization, code: str) -> Metric:
    return Metric.objects.for_org(org).get(code=code)


def _rollup(org: Organization, metric: Metric, subject_id: int, start: dt.date, value: str, n: int) -> None:
    f.RollupFactory(organization=org, metric=metric, grain=Rollup.Grain.TOUCHPOINT, subject_id=subject_id,
                    period=Rollup.Period.MONTH, period_start=start, n=n, value=Decimal(value),
                    score_sum=Decimal(value) * n)


def build(org: Organization, users: dict[str, User], *, k: int = 1, tag: str = "") -> dict:
    """``k`` journeys, each with a touchpoint granted to the ambassador (NPS +40 on a target of +30
    with n=50, CSAT 70 % on 80 % with n=40, CES 5.4 with n=12, below the minimum, all this month;
    last month's NPS −80 must not show), one not granted, and an entry the ambassador recorded."""
    month = org_today(org=org).replace(day=1)
    nps, csat, ces = _metric(org, "nps"), _metric(org, "csat"), _metric(org, "ces")
    source = f.DataSourceFactory(organization=org)
    created: dict[str, list] = {"granted": [], "other": []}
    for i in range(k):
        journey = f.JourneyFactory(organization=org, name=f"{tag}Journey {i}")
        granted = f.TouchpointFactory(organization=org, journey=journey, name=f"{tag}Granted {i}",
                                      is_moment_of_truth=True)
        other = f.TouchpointFactory(organization=org, journey=journey, name=f"{tag}Not granted {i}")
        touchpoint_ambassadors_set(org=org, touchpoint=granted, users=[users["ambassador"]])
        _rollup(org, nps, granted.pk, month, "40", 50)
        _rollup(org, csat, granted.pk, month, "70", 40)
        _rollup(org, ces, granted.pk, month, "5.4", 12)
        _rollup(org, nps, granted.pk, previous_month_start(month), "-80", 90)
        _rollup(org, nps, other.pk, month, "-10", 50)
        f.ResponseFactory(organization=org, source=source, metric=nps, touchpoint=granted, score=Decimal(9),
                          recorded_by=users["ambassador"], comment=f"{tag}Friendly staff {i}")
        created["granted"].append(granted)
        created["other"].append(other)
    return created


def test_home_shows_this_months_scores_with_n_and_target_colours(org_a, users_a):
    created = build(org_a, users_a)
    response = signed_in(users_a["ambassador"]).get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    [(journey, touchpoints)] = response.context["journeys"]
    [tp] = touchpoints
    assert tp.pk == created["granted"][0].pk
    assert [(s.label, s.display, s.n, s.status) for s in tp.scores] == [
        ("NPS", "+40", 50, "good"), ("CSAT", "70%", 40, "bad"), ("CES", "5.4", 12, "below-min"),
    ]
    assert tp.month_count == 102  # 50 + 40 + 12 responses this month, from the rollups
    assert "score score--good" in html and "score score--bad" in html and "score score--below-min" in html
    assert "n=50 · target +30" in html
    assert "n=12, below the minimum of 30" in html
    assert "−80" not in html and "-80" not in html  # last month's figure
    assert "Not granted 0" not in html
    assert reverse("voc:touchpoint-detail", args=[tp.pk]) in html
    assert reverse("voc:journey-map", args=[journey.pk]) in html
    assert "Friendly staff 0" in html


def test_logging_feedback_is_one_tap_from_home(org_a, users_a):
    build(org_a, users_a)
    client = signed_in(users_a["ambassador"])
    html = client.get(HOME).content.decode()
    # The page's first action, in its header above the touchpoints: one tap to the form.
    button = html.index(f'class="btn" href="{LOG}"')
    assert html.index('class="page-header"') < button < html.index("Granted 0")
    form = client.get(LOG)
    assert form.status_code == 200
    assert "Granted 0" in form.content.decode()


def test_spanish_home_has_decimal_commas(org_a, users_a):
    build(org_a, users_a)
    user = users_a["ambassador"]
    user.language = "es"
    user.save()
    html = signed_in(user).get(HOME).content.decode()
    assert "Sus puntos de contacto" in html
    assert "5,4" in html and "5.4" not in html
    assert "respuestas este mes" in html


def test_no_grants_explains_what_to_do(org_a, users_a):
    html = signed_in(users_a["ambassador"]).get(HOME).content.decode()
    assert "No touchpoint has been assigned to you yet." in html
    assert f'href="{LOG}"' in html


@pytest.mark.parametrize("role", ALL_ROLES)
def test_ambassador_home_only_for_ambassadors(org_a, users_a, role):
    build(org_a, users_a)
    response = signed_in(users_a[role]).get(HOME)
    assert response.status_code == 200
    used = [t.name for t in response.templates]
    assert ("dashboards/home_ambassador.html" in used) == (role == "ambassador")


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _home_queries(user: User) -> int:
    client = signed_in(user)
    assert client.get(HOME).status_code == 200  # warm the session and per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured.captured_queries)


def test_query_count_is_identical_for_a_small_and_a_larger_organization(org_a, users_a, org_b, users_b):
    build(org_a, users_a, k=1)
    build(org_b, users_b, k=8, tag="B ")
    assert _home_queries(users_a["ambassador"]) == _home_queries(users_b["ambassador"])
    response = signed_in(users_b["ambassador"]).get(HOME)
    assert sum(len(tps) for _j, tps in response.context["journeys"]) == 8
    assert len(response.context["my_entries"]) == 8


def test_other_organizations_data_never_shows(org_a, users_a, org_b, users_b):
    created_a = build(org_a, users_a)
    created_b = build(org_b, users_b, tag="Zeta ")
    ambassador = users_a["ambassador"]
    # A stray grant to A's ambassador on B's touchpoint, B's entries recorded by A's ambassador and a
    # B rollup whose subject id is A's touchpoint: none of it belongs to A's page.
    TouchpointUserObjectPermission.objects.create(
        content_object=created_b["granted"][0], user=ambassador,
        permission=Permission.objects.get(codename="log_feedback", content_type__app_label="voc"),
    )
    f.ResponseFactory(organization=org_b, metric=_metric(org_b, "nps"), touchpoint=created_b["granted"][0],
                      recorded_by=ambassador, comment="Zeta comment")
    _rollup(org_b, _metric(org_b, "ces"), created_a["granted"][0].pk, org_today(org=org_b).replace(day=1), "1.1", 99)
    response = signed_in(ambassador).get(HOME)
    html = response.content.decode()
    assert "Zeta" not in html
    assert "1.1" not in html and "n=99" not in html
    [(_journey, [tp])] = response.context["journeys"]
    assert tp.month_count == 102
