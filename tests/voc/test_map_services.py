"""Services of the customer map and the measurement model: validation, cross-organization refusal,
the to-be copy, stage order, delete refusals and the OMB A-11 pack."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests import factories as f
from voc import services
from voc.models import DataSource, Journey, JourneyStage, Metric, Product, Rollup, Segment, Touchpoint

pytestmark = pytest.mark.django_db

NOT_FOUND = "Not found in this organization."


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


# --- segments and products -------------------------------------------------------------------

def test_segment_update_keeps_names_unique_within_the_organization(org_a, org_b):
    first = services.segment_create(org=org_a, name="Families")
    second = services.segment_create(org=org_a, name="Students")
    services.segment_create(org=org_b, name="Pensioners")
    with pytest.raises(ValidationError) as exc:
        services.segment_update(org=org_a, segment=second, data={"name": " Families "})
    assert "name" in errors_of(exc)
    # Another organization's name is free; the same name on itself is not a conflict.
    services.segment_update(org=org_a, segment=second, data={"name": "Pensioners", "is_persona": True})
    services.segment_update(org=org_a, segment=first, data={"name": "Families", "description": "With kids"})
    second.refresh_from_db()
    assert (second.name, second.is_persona) == ("Pensioners", True)


def test_segment_update_refuses_unknown_fields_and_blank_names(org_a):
    segment = services.segment_create(org=org_a, name="Families")
    with pytest.raises(ValidationError) as exc:
        services.segment_update(org=org_a, segment=segment, data={"organization": 3})
    assert "organization" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.segment_update(org=org_a, segment=segment, data={"name": "  "})
    assert "name" in errors_of(exc)


def test_another_organizations_objects_are_refused_like_missing_ones(org_a, org_b):
    foreign_segment = services.segment_create(org=org_b, name="Theirs")
    foreign_product = services.product_create(org=org_b, name="Theirs")
    journey = services.journey_create(org=org_a, name="Ours")
    with pytest.raises(ValidationError) as exc:
        services.journey_update(org=org_a, journey=journey, data={"segment": foreign_segment})
    assert errors_of(exc) == {"segment": [NOT_FOUND]}
    with pytest.raises(ValidationError) as exc:
        services.journey_update(org=org_a, journey=journey, data={"product": foreign_product})
    assert errors_of(exc) == {"product": [NOT_FOUND]}
    with pytest.raises(ValidationError):
        services.segment_update(org=org_a, segment=foreign_segment, data={"name": "Mine"})
    with pytest.raises(ValidationError):
        services.segment_delete(org=org_a, segment=foreign_segment)
    assert Segment.objects.for_org(org_b).filter(name="Theirs").exists()


def test_segment_and_product_in_use_cannot_be_deleted(org_a):
    segment = services.segment_create(org=org_a, name="Families")
    product = services.product_create(org=org_a, name="Mortgage")
    journey = services.journey_create(org=org_a, name="Buy a home", segment=segment, product=product)
    with pytest.raises(ValidationError) as exc:
        services.segment_delete(org=org_a, segment=segment)
    assert "1 journey is mapped for this segment" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.product_delete(org=org_a, product=product)
    assert "1 journey is mapped for this product" in str(exc.value)
    services.journey_update(org=org_a, journey=journey, data={"segment": None, "product": None})
    services.segment_delete(org=org_a, segment=segment)
    services.product_delete(org=org_a, product=product)
    assert not Segment.objects.for_org(org_a).filter(name="Families").exists()
    assert not Product.objects.for_org(org_a).filter(name="Mortgage").exists()


# --- journeys, the to-be copy, stages ----------------------------------------------------------

def _mapped_journey(org, users):
    segment = services.segment_create(org=org, name="Digital starters")
    product = services.product_create(org=org, name="Current account")
    journey = services.journey_create(org=org, name="Account opening", segment=segment, product=product,
                                      description="Online")
    discover = services.journey_stage_create(org=org, journey=journey, name="Discover")
    apply = services.journey_stage_create(org=org, journey=journey, name="Apply")
    services.touchpoint_create(org=org, journey=journey, stage=discover, name="Comparison page", channel="web")
    services.touchpoint_create(org=org, journey=journey, stage=apply, name="Application form", channel="web",
                               owner=users["cx_lead"], is_moment_of_truth=True)
    services.touchpoint_create(org=org, journey=journey, name="Welcome letter", channel="mail")
    return journey


def test_to_be_copies_stages_and_touchpoints_and_links_both_ways(org_a, users_a):
    as_is = _mapped_journey(org_a, users_a)
    to_be = services.journey_to_be_create(org=org_a, journey=as_is)
    as_is.refresh_from_db()
    assert to_be.version == Journey.Version.TO_BE
    assert (to_be.name, to_be.segment_id, to_be.product_id, to_be.description) == (
        as_is.name, as_is.segment_id, as_is.product_id, as_is.description)
    assert as_is.counterpart_id == to_be.pk and to_be.counterpart_id == as_is.pk
    assert list(JourneyStage.objects.for_org(org_a).filter(journey=to_be).values_list("name", "position")) == \
        list(JourneyStage.objects.for_org(org_a).filter(journey=as_is).values_list("name", "position"))

    def shape(journey):
        return sorted(
            (tp.name, tp.stage.name if tp.stage else None, tp.channel, tp.owner_id, tp.is_moment_of_truth)
            for tp in Touchpoint.objects.for_org(org_a).filter(journey=journey).select_related("stage")
        )

    assert shape(to_be) == shape(as_is)
    # The copies point at the to-be stages, never at the as-is ones.
    assert not Touchpoint.objects.for_org(org_a).filter(journey=to_be, stage__journey=as_is).exists()


def test_to_be_is_created_once_and_only_from_an_as_is_journey(org_a, users_a):
    as_is = _mapped_journey(org_a, users_a)
    to_be = services.journey_to_be_create(org=org_a, journey=as_is, name="Account opening, redesigned")
    assert to_be.name == "Account opening, redesigned"
    as_is.refresh_from_db()
    with pytest.raises(ValidationError, match="already has its to-be version"):
        services.journey_to_be_create(org=org_a, journey=as_is)
    with pytest.raises(ValidationError, match="Only an as-is journey"):
        services.journey_to_be_create(org=org_a, journey=to_be)
    assert Journey.objects.for_org(org_a).count() == 2


def test_to_be_of_another_organizations_journey_is_refused(org_a, org_b, users_b):
    foreign = _mapped_journey(org_b, users_b)
    with pytest.raises(ValidationError) as exc:
        services.journey_to_be_create(org=org_a, journey=foreign)
    assert errors_of(exc) == {"journey": [NOT_FOUND]}
    assert not Journey.objects.for_org(org_a).exists()


def test_journey_create_refuses_a_counterpart_already_linked(org_a, users_a):
    as_is = _mapped_journey(org_a, users_a)
    services.journey_to_be_create(org=org_a, journey=as_is)
    as_is.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.journey_create(org=org_a, name="Another", version="to_be", counterpart=as_is)
    assert "counterpart" in errors_of(exc)


def test_stages_reorder_and_move(org_a, users_a):
    journey = _mapped_journey(org_a, users_a)
    third = services.journey_stage_create(org=org_a, journey=journey, name="Activate")
    ids = list(JourneyStage.objects.for_org(org_a).filter(journey=journey).order_by("position")
               .values_list("pk", flat=True))
    services.journey_stages_reorder(org=org_a, journey=journey, stage_ids=list(reversed(ids)))
    ordered = list(JourneyStage.objects.for_org(org_a).filter(journey=journey).order_by("position"))
    assert [s.pk for s in ordered] == list(reversed(ids))
    assert [s.position for s in ordered] == [1, 2, 3]
    services.journey_stage_move(org=org_a, stage=third, offset=1)  # already first: moves to second
    assert list(JourneyStage.objects.for_org(org_a).filter(journey=journey).order_by("position")
                .values_list("pk", flat=True))[1] == third.pk
    services.journey_stage_move(org=org_a, stage=third, offset=-5)  # clamped at the start
    assert JourneyStage.objects.for_org(org_a).filter(journey=journey).order_by("position").first().pk == third.pk


@pytest.mark.parametrize("bad", ["empty", "text", "missing", "duplicate", "foreign"])
def test_stages_reorder_needs_every_stage_once(bad, org_a, org_b, users_a, users_b):
    journey = _mapped_journey(org_a, users_a)
    ids = list(JourneyStage.objects.for_org(org_a).filter(journey=journey).values_list("pk", flat=True))
    foreign = JourneyStage.objects.for_org(org_b).filter(journey=_mapped_journey(org_b, users_b)).first()
    stage_ids = {"empty": [], "text": "1,2", "missing": ids[:1], "duplicate": [ids[0], ids[0]],
                 "foreign": [ids[0], foreign.pk]}[bad]
    before = list(JourneyStage.objects.for_org(org_a).values_list("pk", "position"))
    with pytest.raises(ValidationError) as exc:
        services.journey_stages_reorder(org=org_a, journey=journey, stage_ids=stage_ids)
    assert "stages" in errors_of(exc)
    assert list(JourneyStage.objects.for_org(org_a).values_list("pk", "position")) == before


def test_stage_delete_keeps_its_touchpoints_unplaced(org_a, users_a):
    journey = _mapped_journey(org_a, users_a)
    discover = JourneyStage.objects.for_org(org_a).get(journey=journey, name="Discover")
    services.journey_stage_delete(org=org_a, stage=discover)
    page = Touchpoint.objects.for_org(org_a).get(journey=journey, name="Comparison page")
    assert page.stage_id is None
    assert list(JourneyStage.objects.for_org(org_a).filter(journey=journey).values_list("name", "position")) == [
        ("Apply", 1)]


def test_stage_rename_is_unique_within_the_journey(org_a, users_a):
    journey = _mapped_journey(org_a, users_a)
    apply = JourneyStage.objects.for_org(org_a).get(journey=journey, name="Apply")
    with pytest.raises(ValidationError) as exc:
        services.journey_stage_update(org=org_a, stage=apply, data={"name": "Discover"})
    assert "name" in errors_of(exc)


# --- touchpoints -------------------------------------------------------------------------------

def test_touchpoint_update_validates_stage_owner_channel_and_name(org_a, org_b, users_a, users_b):
    journey = _mapped_journey(org_a, users_a)
    other = services.journey_create(org=org_a, name="Other")
    other_stage = services.journey_stage_create(org=org_a, journey=other, name="Elsewhere")
    tp = Touchpoint.objects.for_org(org_a).get(journey=journey, name="Comparison page")
    cases = [
        ({"stage": other_stage}, "stage"),
        ({"owner": users_b["cx_lead"]}, "owner"),
        ({"channel": "pigeon"}, "channel"),
        ({"name": "Application form"}, "name"),
        ({"position": -1}, "position"),
        ({"journey": other}, "journey"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.touchpoint_update(org=org_a, touchpoint=tp, data=data)
        assert field in errors_of(exc), data
    apply = JourneyStage.objects.for_org(org_a).get(journey=journey, name="Apply")
    services.touchpoint_update(org=org_a, touchpoint=tp, data={
        "stage": apply, "owner": users_a["ambassador"], "channel": "app", "is_moment_of_truth": True, "position": 7,
    })
    tp.refresh_from_db()
    assert (tp.stage_id, tp.owner_id, tp.channel, tp.is_moment_of_truth, tp.position) == (
        apply.pk, users_a["ambassador"].pk, "app", True, 7)


def test_touchpoint_with_responses_cannot_be_deleted(org_a, users_a):
    journey = _mapped_journey(org_a, users_a)
    tp = Touchpoint.objects.for_org(org_a).get(journey=journey, name="Application form")
    f.ResponseFactory(organization=org_a, touchpoint=tp, metric=Metric.objects.for_org(org_a).get(code="csat"))
    with pytest.raises(ValidationError, match="1 feedback response was recorded at this touchpoint"):
        services.touchpoint_delete(org=org_a, touchpoint=tp)
    with pytest.raises(ValidationError, match="recorded at this journey's touchpoints"):
        services.journey_delete(org=org_a, journey=journey)
    assert Touchpoint.objects.for_org(org_a).filter(pk=tp.pk).exists()
    empty = Touchpoint.objects.for_org(org_a).get(journey=journey, name="Welcome letter")
    services.touchpoint_delete(org=org_a, touchpoint=empty)
    assert not Touchpoint.objects.for_org(org_a).filter(pk=empty.pk).exists()


def test_journey_delete_takes_its_stages_and_touchpoints_and_unlinks_the_counterpart(org_a, users_a):
    as_is = _mapped_journey(org_a, users_a)
    to_be = services.journey_to_be_create(org=org_a, journey=as_is)
    services.journey_delete(org=org_a, journey=to_be)
    as_is.refresh_from_db()
    assert as_is.counterpart_id is None
    assert not JourneyStage.objects.for_org(org_a).filter(journey_id=to_be.pk).exists()
    assert not Touchpoint.objects.for_org(org_a).filter(journey_id=to_be.pk).exists()
    # The as-is journey may get a new to-be version afterwards.
    assert services.journey_to_be_create(org=org_a, journey=as_is).counterpart_id == as_is.pk


# --- metrics -----------------------------------------------------------------------------------

VALID = {
    "nps": ("nps", Decimal(0), Decimal(10)),
    "csat": ("top2box", Decimal(1), Decimal(5)),
    "ces": ("agree_minus_disagree", Decimal(1), Decimal(7)),
    "mean": ("mean", Decimal(1), Decimal(10)),
    "median": ("mean", Decimal(0), None),
    "duration": ("median", Decimal(0), None),
    "rate": ("share", Decimal(0), Decimal(1)),
    "count": ("sum", None, None),
}


@pytest.mark.parametrize("kind", list(VALID))
def test_each_kind_accepts_its_methods(kind, org_a):
    method, low, high = VALID[kind]
    metric = services.metric_create(org=org_a, data={
        "code": f"new_{kind}", "name_en": kind, "kind": kind, "method": method, "scale_min": low, "scale_max": high,
    })
    assert (metric.kind, metric.method) == (kind, method)


@pytest.mark.parametrize("kind,method", [
    ("nps", "mean"), ("csat", "mean"), ("ces", "top2box"), ("mean", "median"), ("median", "share"),
    ("duration", "sum"), ("rate", "mean"), ("count", "mean"),
])
def test_kind_and_method_must_match(kind, method, org_a):
    with pytest.raises(ValidationError) as exc:
        services.metric_create(org=org_a, data={
            "code": "x", "name_en": "X", "kind": kind, "method": method, "scale_min": 0, "scale_max": 10,
        })
    assert "method" in errors_of(exc)
    assert not Metric.objects.for_org(org_a).filter(code="x").exists()


def test_method_defaults_to_the_kinds_first(org_a):
    metric = services.metric_create(org=org_a, data={"code": "wait", "name_en": "Wait", "kind": "duration",
                                                     "scale_min": "0", "unit": "minutes"})
    assert metric.method == Metric.Method.MEDIAN
    assert metric.scale_min == Decimal(0)


@pytest.mark.parametrize("data,field", [
    ({"kind": "nps", "scale_min": 1, "scale_max": 10}, "scale_min"),
    ({"kind": "rate", "scale_min": 0, "scale_max": 100}, "scale_min"),
    ({"kind": "csat", "scale_min": 1, "scale_max": 3}, "scale_max"),
    ({"kind": "csat"}, "scale_min"),
    ({"kind": "mean", "scale_min": 5, "scale_max": 1}, "scale_max"),
    ({"kind": "nps", "scale_min": 0, "scale_max": 10, "target": 150}, "target"),
    ({"kind": "csat", "scale_min": 1, "scale_max": 5, "target": 101}, "target"),
    ({"kind": "mean", "scale_min": 1, "scale_max": 5, "target": 6}, "target"),
    ({"kind": "mean", "scale_min": 1, "scale_max": 5, "follow_up_threshold": 0}, "follow_up_threshold"),
    ({"kind": "mean", "scale_min": 1, "scale_max": 5, "min_n": 0}, "min_n"),
    ({"kind": "mean", "scale_min": "abc"}, "scale_min"),
    ({"kind": "mean", "name_en": "", "name_es": ""}, "name_en"),
    ({"kind": "mean", "code": "no spaces"}, "code"),
    ({"kind": "nope"}, "kind"),
])
def test_metric_definition_is_validated(data, field, org_a):
    payload = {"code": "new", "name_en": "New", **data}
    with pytest.raises(ValidationError) as exc:
        services.metric_create(org=org_a, data=payload)
    assert field in errors_of(exc), errors_of(exc)


def test_metric_code_is_unique_and_lever_stays_in_the_organization(org_a, org_b):
    with pytest.raises(ValidationError) as exc:
        services.metric_create(org=org_a, data={"code": "nps", "name_en": "Again", "kind": "nps",
                                                "scale_min": 0, "scale_max": 10})
    assert "code" in errors_of(exc)
    foreign_lever = f.LeverFactory(organization=org_b)
    with pytest.raises(ValidationError) as exc:
        services.metric_create(org=org_a, data={"code": "x", "name_en": "X", "kind": "count",
                                                "lever": foreign_lever})
    assert errors_of(exc) == {"lever": [NOT_FOUND]}


def test_metric_calculation_is_fixed_once_responses_exist(org_a):
    csat = Metric.objects.for_org(org_a).get(code="csat")
    services.metric_update(org=org_a, metric=csat, data={"target": Decimal("85"), "min_n": 50})
    f.ResponseFactory(organization=org_a, metric=csat)
    with pytest.raises(ValidationError) as exc:
        services.metric_update(org=org_a, metric=csat, data={"scale_max": Decimal(7), "code": "sat"})
    assert set(errors_of(exc)) == {"scale_max", "code"}
    # Unchanged values (as a form sends them) and the other fields may still change.
    services.metric_update(org=org_a, metric=csat, data={
        "code": "csat", "kind": "csat", "method": "top2box", "scale_min": Decimal("1.0000"), "scale_max": Decimal(5),
        "target": Decimal("90"), "name_es": "Satisfacción", "is_active": False,
    })
    csat.refresh_from_db()
    assert (csat.target, csat.min_n, csat.name_es, csat.is_active) == (Decimal(90), 50, "Satisfacción", False)


def test_metric_with_responses_cannot_be_deleted_but_one_without_can_with_its_rollups(org_a):
    csat = Metric.objects.for_org(org_a).get(code="csat")
    f.ResponseFactory(organization=org_a, metric=csat)
    with pytest.raises(ValidationError, match="deactivate it instead"):
        services.metric_delete(org=org_a, metric=csat)
    fresh = services.metric_create(org=org_a, data={"code": "fresh", "name_en": "Fresh", "kind": "count"})
    f.RollupFactory(organization=org_a, metric=fresh)
    services.metric_delete(org=org_a, metric=fresh)
    assert not Metric.objects.for_org(org_a).filter(code="fresh").exists()
    assert not Rollup.objects.for_org(org_a).filter(metric_id=fresh.pk).exists()


def test_metric_used_by_an_initiative_kpi_is_not_deleted(org_a):
    metric = services.metric_create(org=org_a, data={"code": "kpi", "name_en": "KPI", "kind": "count"})
    f.InitiativeKpiFactory(organization=org_a, initiative=f.InitiativeFactory(organization=org_a), metric=metric)
    with pytest.raises(ValidationError, match="remove those links first"):
        services.metric_delete(org=org_a, metric=metric)
    assert Metric.objects.for_org(org_a).filter(code="kpi").exists()


def test_omb_a11_pack_installs_seven_bilingual_statements_once(org_a, org_b):
    result = services.metric_pack_omb_a11_install(org=org_a)
    assert len(result.created) == 7 and result.existing == []
    pack = Metric.objects.for_org(org_a).filter(pack="omb_a11")
    assert pack.count() == 7
    for metric in pack:
        assert (metric.kind, metric.method, metric.scale_min, metric.scale_max) == (
            "csat", "top2box", Decimal(1), Decimal(5))
        assert metric.name_en and metric.name_es and metric.description_en and metric.description_es
    assert pack.get(code="a11_trust").description_en == "This interaction increased my confidence in this organization."
    # Idempotent, and an organization's own edits survive a reinstall.
    services.metric_update(org=org_a, metric=pack.get(code="a11_ease"), data={"target": Decimal(75)})
    again = services.metric_pack_omb_a11_install(org=org_a)
    assert again.created == [] and len(again.existing) == 7
    assert Metric.objects.for_org(org_a).get(code="a11_ease").target == Decimal(75)
    assert not Metric.objects.for_org(org_b).filter(pack="omb_a11").exists()


# --- data sources ------------------------------------------------------------------------------

def test_data_source_update_and_delete(org_a):
    source = services.data_source_create(org=org_a, code="crm", name="CRM", kind="crm")
    with pytest.raises(ValidationError) as exc:
        services.data_source_update(org=org_a, source=source, data={"kind": "fax"})
    assert "kind" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.data_source_update(org=org_a, source=source, data={"code": "survey"})
    assert "code" in errors_of(exc)
    services.data_source_update(org=org_a, source=source, data={"code": "salesforce", "name": "Salesforce"})
    f.ResponseFactory(organization=org_a, source=source)
    with pytest.raises(ValidationError) as exc:
        services.data_source_update(org=org_a, source=source, data={"code": "sf"})
    assert "code" in errors_of(exc)
    with pytest.raises(ValidationError, match="1 feedback response came from this source"):
        services.data_source_delete(org=org_a, source=source)
    services.data_source_update(org=org_a, source=source, data={"is_active": False})
    unused = services.data_source_create(org=org_a, code="calls", name="Calls", kind="call_recording")
    services.data_source_delete(org=org_a, source=unused)
    assert set(DataSource.objects.for_org(org_a).filter(code__in=["salesforce", "calls"])
               .values_list("code", "is_active")) == {("salesforce", False)}
