"""The executive dashboard's body is cached per organization and data version: a repeat visit reads
no figures, every change the dashboard shows is on the next page, nothing is shared between
organizations, filters or languages, and a broken cache only means an uncached page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxgov.dashboards import freshness
from cxgov.tenancy.services import membership_set
from initiatives.models import Initiative, Risk
from tests import factories as f
from tests.dashboards.executive_data import build
from tests.dashboards.pages import signed_in
from voc.models import Metric

pytestmark = pytest.mark.django_db

URL = reverse("dashboard-executive")
OCTOBER = f"{URL}?period=2026-10"
FIGURE_TABLES = ("voc_", "initiatives_", "maturity_", "governance_", "cem_levers_")


@pytest.fixture(autouse=True)
def empty_cache(settings):
    settings.DASHBOARD_BODY_CACHE = True  # the tests' in-memory cache is not shared: caching is opt-in there
    cache.clear()
    yield
    cache.clear()


def get(client, url: str = OCTOBER) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def body(html: str) -> str:
    """The cached part of the page: from the filters form to the end of the main content."""
    return html[html.index('<form class="filters card"'):html.index("</main>")]


def statements(queries: list[str]) -> list[str]:
    """The queries, without the savepoints of the test's transaction around the request's."""
    return [q for q in queries if "SAVEPOINT" not in q]


def kpi(html: str, code: str) -> str:
    start = html.index(f'data-kpi="{code}"')
    return html[start:html.index("</div>\n    </div>", start)]


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, element_id
    return match.group(1).strip()


def reads_figures(queries: list[str]) -> list[str]:
    return [q for q in queries if any(f'"{prefix}' in q for prefix in FIGURE_TABLES)]


# --- a repeat visit -----------------------------------------------------------------------------------

def test_second_request_is_served_from_the_cache_with_fewer_queries(org_a, users_a):
    build(org_a, users_a)
    client = signed_in(users_a["executive"])
    miss_html, miss = get(client)
    hit_html, hit = get(client)
    assert body(hit_html) == body(miss_html)
    assert "+32" in kpi(hit_html, "nps")
    assert len(reads_figures(miss)) >= 15
    # A hit reads the session, the user and the membership: never a figure.
    assert reads_figures(hit) == []
    # session, user, and the memberships (the acting one and the switcher's list, in one query)
    assert len(statements(hit)) == 3, hit
    assert len(hit) < len(miss)
    # The same organization, filters, language and role: the other user reads the same cached body.
    admin_html, admin = get(signed_in(users_a["admin"]))
    assert "+32" in kpi(admin_html, "nps")
    assert len(reads_figures(admin)) >= 15  # another role: its own body (role is part of the key)


def test_the_executive_home_shares_the_cached_body(org_a, users_a):
    build(org_a, users_a)
    client = signed_in(users_a["executive"])
    html, _ = get(client, URL)
    home_html, home = get(client, reverse("home"))
    assert reads_figures(home) == []
    assert body(home_html) == body(html)


# --- every change shows on the next page ------------------------------------------------------------

def test_new_feedback_shows_after_the_rollup_refresh(org_a, users_a, django_capture_on_commit_callbacks):
    from voc.services import responses_record

    build(org_a, users_a)
    client = signed_in(users_a["executive"])
    html, _ = get(client, URL)  # this month: no feedback yet
    assert "n = 0" in kpi(html, "nps")
    now = timezone.now() - dt.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        result = responses_record(org=org_a, rows=[
            {"source": "survey", "external_id": f"cache-{i}", "metric": "nps", "score": 10, "submitted_at": now}
            for i in range(3)
        ])
    assert result.created == 3
    html, queries = get(client, URL)
    assert "n = 3" in kpi(html, "nps")
    assert "+100" in kpi(html, "nps")
    assert reads_figures(queries)


def test_responses_alone_do_not_invalidate(org_a, users_a):
    """Feedback reaches the dashboard through the rollups only: storing a response (without the
    refresh that follows it) leaves the cached body in place."""
    build(org_a, users_a)
    client = signed_in(users_a["executive"])
    get(client)
    metric = Metric.objects.for_org(org_a).get(code="nps")
    f.ResponseFactory(organization=org_a, metric=metric, score=9)
    _, queries = get(client)
    assert reads_figures(queries) == []


def test_initiative_status_change_shows(org_a, users_a, django_capture_on_commit_callbacks):
    from initiatives.services import initiative_transition

    created = build(org_a, users_a)
    client = signed_in(users_a["executive"])
    html, _ = get(client)
    wins = int(text_of(html, "wins-count"))
    on_hold = next(i for i in created["initiatives"] if i.status == Initiative.Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        initiative_transition(org=org_a, initiative=on_hold, status=Initiative.Status.ON_HOLD,
                              by=users_a["cx_lead"])
    html, _ = get(client)
    status = html[html.index('id="portfolio-title"'):html.index('id="risks-title"')]
    assert '?status=on_hold">On hold</a>: <strong>2</strong>' in status
    assert int(text_of(html, "wins-count")) == wins


def test_initiative_and_risk_edits_show(org_a, users_a):
    from initiatives.services import initiative_update, risk_update

    created = build(org_a, users_a)
    client = signed_in(users_a["executive"])
    html, _ = get(client)
    assert "Vendor delay" in html
    planned = text_of(html, "budget-planned")
    risk = Risk.objects.for_org(org_a).get(description__startswith="Vendor delay")
    risk_update(org=org_a, risk=risk, description="Supplier bankrupt")
    html, _ = get(client)
    assert "Supplier bankrupt" in html and "Vendor delay" not in html
    initiative = created["initiatives"][0]
    initiative_update(org=org_a, initiative=initiative, by=users_a["admin"],
                      planned_cost=initiative.planned_cost + Decimal("5000"))
    html, _ = get(client)
    assert text_of(html, "budget-planned") != planned


def test_maturity_recompute_shows(org_a, users_a):
    from cem_levers.models import Practice
    from maturity.services import answer_set, assessment_create, assessment_submit
    from maturity.tasks import recompute_scores

    build(org_a, users_a)
    client = signed_in(users_a["executive"])
    html, _ = get(client, URL)
    before = text_of(html, "overall-maturity")
    assessment = assessment_create(org=org_a, title="Cache", created_by=users_a["cx_lead"])
    for practice in Practice.objects.for_org(org_a).filter(is_active=True, lever__is_active=True):
        answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=5)
    assessment_submit(org=org_a, assessment=assessment)
    snapshot_id = recompute_scores(org_id=org_a.pk)
    from maturity.models import MaturitySnapshot

    snapshot = MaturitySnapshot.objects.for_org(org_a).get(pk=snapshot_id)
    html, _ = get(client, URL)
    after = text_of(html, "overall-maturity")
    assert after == f"{snapshot.overall:.2f}" != before


def test_metric_target_and_goal_edits_show(org_a, users_a):
    build(org_a, users_a)
    client = signed_in(users_a["executive"])
    html, _ = get(client)
    assert "target +30" in kpi(html, "nps")
    off = int(text_of(html, "goals-off"))
    nps = Metric.objects.for_org(org_a).get(code="nps")
    nps.target = Decimal("45")
    nps.save()
    html, _ = get(client)
    assert "target +45" in kpi(html, "nps")
    from governance.models import Goal

    goal = Goal.objects.for_org(org_a).get(metric=nps)
    goal.target = Decimal("60")  # NPS +32 is now off this goal's target
    goal.save()
    html, _ = get(client)
    assert int(text_of(html, "goals-off")) == off + 1


def test_lever_rename_and_initiative_links_show(org_a, users_a):
    created = build(org_a, users_a)
    client = signed_in(users_a["executive"])
    get(client)
    lever = created["levers"][0]
    lever.name_en = "Renamed lever"
    lever.save()
    html, _ = get(client)
    assert "Renamed lever" in html
    initiative = next(i for i in created["initiatives"] if i.status == Initiative.Status.IN_PROGRESS)
    other_journey = f.JourneyFactory(organization=org_a, name="Linked later")
    get(client, f"{OCTOBER}&journey={other_journey.pk}")
    initiative.journeys.add(other_journey)  # many-to-many links count too
    html, queries = get(client, f"{OCTOBER}&journey={other_journey.pk}")
    assert reads_figures(queries)


def test_a_flushed_version_never_brings_back_an_old_body(org_a, users_a):
    build(org_a, users_a)
    client = signed_in(users_a["executive"])
    get(client)
    old = freshness.org_version(org_a.pk)
    cache.delete(freshness.VERSION_KEY.format(org_id=org_a.pk))  # evicted, or Redis restarted empty
    assert freshness.org_version(org_a.pk) > old
    _, queries = get(client)
    assert reads_figures(queries)


# --- nothing shared ---------------------------------------------------------------------------------

def test_organizations_never_share_a_body(org_a, users_a, org_b, users_b):
    build(org_a, users_a)
    created_b = build(org_b, users_b, prefix="B-")
    html_a, _ = get(signed_in(users_a["executive"]))
    html_b, queries_b = get(signed_in(users_b["executive"]))  # identical filters, language and role
    assert reads_figures(queries_b)
    assert "B-Branch welcome 0" in html_b and "B-Branch welcome 0" not in html_a
    for initiative in created_b["initiatives"]:
        assert initiative.title not in html_a
    again_a, _ = get(signed_in(users_a["executive"]))
    assert "B-" not in body(again_a).replace("B-0", "")  # no org B name leaks into org A's cached page
    assert body(again_a) == body(html_a)


def test_filters_and_languages_never_share_a_body(org_a, users_a):
    created = build(org_a, users_a)
    client = signed_in(users_a["executive"])
    october, _ = get(client)
    september, queries = get(client, f"{URL}?period=2026-09")
    assert reads_figures(queries)
    assert body(september) != body(october)
    journey = created["journeys"][0]
    narrowed, queries = get(client, f"{OCTOBER}&journey={journey.pk}")
    assert reads_figures(queries)
    assert f'value="{journey.pk}" selected' in narrowed and f'value="{journey.pk}" selected' not in october
    segment = created["segments"][0]
    by_segment, queries = get(client, f"{OCTOBER}&segment={segment.pk}")
    assert reads_figures(queries) and f'value="{segment.pk}" selected' in by_segment
    spanish_user = f.UserFactory(language="es")
    membership_set(org=org_a, user=spanish_user, role="executive")
    spanish, queries = get(signed_in(spanish_user))
    assert reads_figures(queries)
    assert "Momentos de la verdad" in spanish and "Moments of truth" in october
    again, _ = get(client)
    assert "Moments of truth" in again and "Momentos de la verdad" not in again


def test_a_refused_filter_is_never_cached(org_a, users_a):
    build(org_a, users_a)
    client = signed_in(users_a["executive"])
    assert client.get(f"{URL}?journey=999999").status_code == 404
    assert client.get(f"{URL}?journey=999999").status_code == 404
    assert client.get(f"{URL}?period=2026-13").status_code == 400
    assert client.get(OCTOBER).status_code == 200


# --- a broken cache ---------------------------------------------------------------------------------

class BrokenCache(LocMemCache):
    """Every operation fails, like a Redis that went away."""

    def _fail(self, *args, **kwargs):
        raise ConnectionError("cache down")

    get = set = add = incr = delete = get_many = has_key = _fail


@override_settings(CACHES={"default": {"BACKEND": "tests.dashboards.test_executive_cache.BrokenCache"}})
def test_a_broken_cache_still_renders_the_page(org_a, users_a):
    created = build(org_a, users_a)
    client = signed_in(users_a["executive"])
    html, queries = get(client)
    assert "+32" in kpi(html, "nps")
    risk = Risk.objects.for_org(org_a).get(description__startswith="Vendor delay")
    risk.description = "Still saved"
    risk.save()  # the version bump fails quietly: saving never depends on the cache
    html, again = get(client)
    assert "Still saved" in html
    assert len(reads_figures(again)) == len(reads_figures(queries))
    assert created["initiatives"]


def test_the_domain_signals_bump_the_version(org_a, org_b):
    """Rollups are written in bulk and signal their refresh; a status change signals too."""
    from initiatives.signals import initiative_status_changed
    from voc.models import Rollup
    from voc.signals import rollups_refreshed

    before, other = freshness.org_version(org_a.pk), freshness.org_version(org_b.pk)
    rollups_refreshed.send(sender=Rollup, org_id=org_a.pk, metric_ids=None)
    after_refresh = freshness.org_version(org_a.pk)
    assert after_refresh > before
    initiative_status_changed.send(sender=Initiative, org_id=org_a.pk, initiative_id=1, old_status="planned",
                                   new_status="in_progress", by_id=None)
    assert freshness.org_version(org_a.pk) > after_refresh
    assert freshness.org_version(org_b.pk) == other



def test_an_unshared_cache_is_not_used_for_bodies(org_a, users_a, settings):
    """With the in-memory default every gunicorn worker has its own cache, and a change made in one
    would not reach the others: bodies are cached only in a cache every process shares."""
    del settings.DASHBOARD_BODY_CACHE
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    build(org_a, users_a)
    client = signed_in(users_a["executive"])
    get(client)
    _, queries = get(client)
    assert reads_figures(queries)


def test_the_version_is_bumped_again_once_the_change_commits(org_a, users_a, org_b):
    """A body rendered by another request between the save and the commit (from the data before
    the change) must not stay reachable: the version moves again after the commit, once per
    organization and transaction however many rows it saved."""
    def pending() -> list[freshness.BumpAfterCommit]:
        return [entry[1] for entry in connection.run_on_commit if isinstance(entry[1], freshness.BumpAfterCommit)]

    build(org_a, users_a)  # the test's transaction never commits: its callbacks stay pending
    for risk in Risk.objects.for_org(org_a):
        risk.description += " (reviewed)"
        risk.save()
    f.SegmentFactory(organization=org_b)
    f.SegmentFactory(organization=org_b)
    assert sorted(b.org_id for b in pending()) == sorted([org_a.pk, org_b.pk])
    before = freshness.org_version(org_a.pk)
    pending()[0]()
    assert freshness.org_version(org_a.pk) > before
