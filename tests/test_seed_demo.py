"""manage.py seed_demo: idempotent, prints working logins and token, one organization per slug."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from cxgov.tenancy.models import ApiToken, Membership, Organization, TenantScoped, User
from cxgov.tenancy.roles import Role
from cxgov.tenancy.selectors import api_token_authenticate
from governance.models import Body, BodyMember
from initiatives.models import Initiative, InitiativeKpi, Milestone, Risk
from maturity.models import Answer, Assessment, MaturitySnapshot
from voc.models import Journey, Response, Touchpoint

pytestmark = pytest.mark.django_db

LOGIN = re.compile(r"^login: (\S+@\S+) (\S{10,}) (\w+)$")
TOKEN = re.compile(r"^API token: (cxg_\S+)$")


def seed(slug="demo", responses=500):
    out = StringIO()
    call_command("seed_demo", "--slug", slug, "--responses", str(responses), stdout=out, stderr=StringIO())
    return out.getvalue().splitlines()


def tenant_counts(org):
    return {
        model.__name__: model.objects.for_org(org).count()
        for model in apps.get_models()
        if issubclass(model, TenantScoped)
    }


def parse(lines):
    logins = [LOGIN.match(line).groups() for line in lines if line.startswith("login:")]
    tokens = [TOKEN.match(line).group(1) for line in lines if line.startswith("API token:")]
    return logins, tokens


def test_output_is_one_line_per_user_and_one_token_line():
    lines = seed()
    logins, tokens = parse(lines)
    assert len(lines) == len(logins) + 1 and len(tokens) == 1
    assert sorted(role for _email, _pw, role in logins) == sorted(Role.values)
    emails = {email for email, _pw, _role in logins}
    assert "cx.lead@demo.example" in emails and all(e.endswith("@demo.example") for e in emails)
    org = Organization.objects.get(slug="demo")
    for email, password, role in logins:
        user = User.objects.get(email=email)
        assert user.check_password(password)
        assert Membership.objects.get(user=user, organization=org).role == role


def test_demo_content_is_complete():
    seed()
    org = Organization.objects.get(slug="demo")
    assert set(Body.objects.for_org(org).values_list("kind", flat=True)) == set(Body.Kind.values)
    for body in Body.objects.for_org(org):
        assert BodyMember.objects.for_org(org).filter(body=body).exists()
    # Three journeys as they are today, plus the to-be version of one of them.
    assert Journey.objects.for_org(org).filter(version="as_is").count() == 3
    assert Journey.objects.for_org(org).filter(version="to_be", counterpart__isnull=False).count() == 1
    for journey in Journey.objects.for_org(org):
        touchpoints = Touchpoint.objects.for_org(org).filter(journey=journey)
        assert 4 <= touchpoints.count() <= 6
        assert touchpoints.filter(is_moment_of_truth=True).exists()
        assert not touchpoints.filter(owner=None).exists()
    assert Initiative.objects.for_org(org).count() >= 12
    assert Initiative.objects.for_org(org).values("status").distinct().count() >= 4
    assert Milestone.objects.for_org(org).exists() and Risk.objects.for_org(org).exists()
    assert InitiativeKpi.objects.for_org(org).exists()
    assessment = Assessment.objects.for_org(org).get()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert Answer.objects.for_org(org).filter(assessment=assessment, is_consensus=True).count() == 30
    assert MaturitySnapshot.objects.for_org(org).filter(assessment=assessment).get().overall is not None
    responses = Response.objects.for_org(org)
    assert responses.count() == 500
    codes = list(responses.values_list("metric__code", flat=True))
    assert codes.count("nps") > codes.count("csat") > codes.count("ces") > 0
    assert responses.values("touchpoint").distinct().count() == 16


def test_second_run_changes_nothing_but_the_token():
    first_logins, [first_token] = parse(seed())
    org = Organization.objects.get(slug="demo")
    before = tenant_counts(org)
    users_before = User.objects.count()
    second_logins, [second_token] = parse(seed())
    assert tenant_counts(org) == before
    assert User.objects.count() == users_before
    assert Organization.objects.filter(slug="demo").count() == 1
    assert second_logins == first_logins
    assert second_token != first_token
    assert api_token_authenticate(raw=first_token) is None
    assert ApiToken.objects.filter(organization=org, revoked_at=None).count() == 1


def test_printed_token_authenticates_as_the_integrator():
    _logins, [token] = parse(seed())
    found = api_token_authenticate(raw=token)
    assert found is not None
    _token, membership = found
    assert membership.organization.slug == "demo"
    assert (membership.user.email, membership.role) == ("integrator@demo.example", Role.INTEGRATOR)


def test_two_slugs_are_independent_organizations():
    logins_one, [token_one] = parse(seed("alpha", 300))
    logins_two, [token_two] = parse(seed("beta", 200))
    alpha, beta = Organization.objects.get(slug="alpha"), Organization.objects.get(slug="beta")
    assert {e for e, _p, _r in logins_one}.isdisjoint({e for e, _p, _r in logins_two})
    assert Response.objects.for_org(alpha).count() == 300
    assert Response.objects.for_org(beta).count() == 200
    assert not Membership.objects.filter(organization=beta, user__email__endswith="@alpha.example").exists()
    assert api_token_authenticate(raw=token_one)[1].organization == alpha
    assert api_token_authenticate(raw=token_two)[1].organization == beta
    # Seeding beta again leaves alpha as it was.
    before = tenant_counts(alpha)
    seed("beta", 200)
    assert tenant_counts(alpha) == before


def test_more_responses_on_a_rerun_adds_only_the_new_ones():
    seed(responses=200)
    seed(responses=500)
    org = Organization.objects.get(slug="demo")
    assert Response.objects.for_org(org).count() == 500
