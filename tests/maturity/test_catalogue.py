"""The default catalogue: complete, bilingual, installed for every new organization, idempotent."""

from decimal import Decimal

import pytest

from cem_levers.models import Lever, LeverGroup, Practice
from maturity.catalogue import GROUPS, install, lever_codes, practice_codes
from maturity.models import Stage
from voc.models import DataSource, Metric

pytestmark = pytest.mark.django_db

CATALOGUE_MODELS = [LeverGroup, Lever, Practice, Stage, Metric, DataSource]


def counts(org):
    return {model.__name__: model.objects.for_org(org).count() for model in CATALOGUE_MODELS}


def test_new_organization_gets_the_full_catalogue(org_a):
    assert counts(org_a) == {
        "LeverGroup": 4, "Lever": 10, "Practice": 30, "Stage": 5, "Metric": 6, "DataSource": 4,
    }
    groups = list(LeverGroup.objects.for_org(org_a).order_by("position").values_list("code", flat=True))
    assert groups == ["strategy", "customer", "brand_interaction", "internal_management"]
    levers = list(Lever.objects.for_org(org_a).order_by("position").values_list("code", flat=True))
    assert levers == lever_codes()
    assert levers[:2] == ["cx_strategy", "leadership_governance"]
    for lever in Lever.objects.for_org(org_a):
        assert lever.practices.count() == 3
        assert all(p.code.startswith(f"{lever.code}.") for p in lever.practices.all())
    assert set(Practice.objects.for_org(org_a).values_list("code", flat=True)) == set(practice_codes())


def test_every_text_exists_in_english_and_spanish(org_a):
    for model in [LeverGroup, Lever, Practice, Stage, Metric]:
        for obj in model.objects.for_org(org_a):
            for attr in ("name_en", "name_es", "description_en", "description_es"):
                assert getattr(obj, attr).strip(), f"{model.__name__} {obj.pk} lacks {attr}"
    stages = dict(Stage.objects.for_org(org_a).values_list("level", "name_es"))
    assert stages == {1: "Explorar", 2: "Definir", 3: "Extender", 4: "Consolidar", 5: "Optimizar"}
    names_en = list(Stage.objects.for_org(org_a).order_by("level").values_list("name_en", flat=True))
    assert names_en == ["Explore", "Define", "Extend", "Consolidate", "Optimize"]


def test_spanish_and_english_texts_differ_for_levers(org_a):
    # A copy-paste of the English text would pass the "present" test; the translation must be real.
    for lever in Lever.objects.for_org(org_a):
        assert lever.name_en != lever.name_es
        assert lever.description_en != lever.description_es


def test_standard_metrics_are_defined_as_domain_says(org_a):
    metrics = {m.code: m for m in Metric.objects.for_org(org_a).select_related("lever")}
    nps, csat, ces = metrics["nps"], metrics["csat"], metrics["ces"]
    assert (nps.kind, nps.method, nps.scale_min, nps.scale_max) == ("nps", "nps", Decimal(0), Decimal(10))
    assert nps.follow_up_threshold == Decimal(6)
    assert (csat.method, csat.scale_min, csat.scale_max) == ("top2box", Decimal(1), Decimal(5))
    assert (ces.kind, ces.method, ces.scale_min, ces.scale_max, ces.higher_is_better) == (
        "ces", "mean", Decimal(1), Decimal(7), True
    )
    assert metrics["abandonment_rate"].method == "share" and metrics["abandonment_rate"].higher_is_better is False
    assert metrics["first_response_time"].unit == "minutes"
    assert metrics["resolution_time"].unit == "hours"
    assert all(m.min_n == 30 for m in metrics.values())
    assert nps.lever.code == "voc_measurement"
    assert metrics["abandonment_rate"].lever.code == "channels_interactions"
    assert metrics["resolution_time"].lever.code == "processes_operations"
    kinds = dict(DataSource.objects.for_org(org_a).values_list("code", "kind"))
    assert kinds == {"api": "api", "manual": "manual", "survey": "survey", "complaints": "complaint"}


def test_install_twice_creates_nothing_and_keeps_renames(org_a):
    lever = Lever.objects.for_org(org_a).get(code="brand_promise")
    lever.name_en = "Our promise"
    lever.save()
    before = counts(org_a)
    install(org=org_a)
    install(org=org_a)
    assert counts(org_a) == before
    lever.refresh_from_db()
    assert lever.name_en == "Our promise"


def test_install_completes_a_partial_catalogue(org_a):
    Practice.objects.for_org(org_a).filter(code="voc_measurement.closed_loop").delete()
    Stage.objects.for_org(org_a).filter(level=5).delete()
    install(org=org_a)
    assert counts(org_a)["Practice"] == 30
    assert Practice.objects.for_org(org_a).get(code="voc_measurement.closed_loop").lever.code == "voc_measurement"
    assert Stage.objects.for_org(org_a).filter(level=5).exists()


def test_catalogues_of_two_organizations_are_separate(org_a, org_b):
    lever_a = Lever.objects.for_org(org_a).get(code="cx_strategy")
    lever_b = Lever.objects.for_org(org_b).get(code="cx_strategy")
    assert lever_a.pk != lever_b.pk
    assert lever_a.group.organization_id == org_a.pk and lever_b.group.organization_id == org_b.pk
    assert Practice.objects.for_org(org_b).filter(lever=lever_a).count() == 0


def test_catalogue_definition_has_ten_levers_with_three_practices():
    assert len(GROUPS) == 4
    assert len(lever_codes()) == 10 and len(set(lever_codes())) == 10
    assert len(practice_codes()) == 30 and len(set(practice_codes())) == 30
