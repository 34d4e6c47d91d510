"""Helpers shared by the closing-the-loop tests (no tests here): a journey with an owned
touchpoint, NPS / CSAT / lower-is-better metrics, and a one-call way to record feedback."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from cxgov.tenancy.models import Organization, User
from tests import factories as f
from voc.models import DataSource, FollowUpCase, Journey, Metric, RootCause, Touchpoint
from voc.services import RecordResult, case_close, responses_record

_ids = itertools.count(1)


@dataclass
class Loop:
    org: Organization
    users: dict[str, User]
    source: DataSource
    nps: Metric
    csat: Metric
    wait: Metric  # lower is better: minutes waited, a case at 20 or more
    journey: Journey
    touchpoint: Touchpoint
    other_touchpoint: Touchpoint
    cause: RootCause
    other_cause: RootCause

    def record(self, metric: Metric, score, *, touchpoint: Touchpoint | None = None, external_id: str | None = None,
               comment: str = "", submitted_at: dt.datetime | None = None, by: User | None = None) -> RecordResult:
        row = {
            "source": self.source.code, "external_id": external_id or f"ext-{next(_ids)}", "metric": metric.code,
            "touchpoint": (touchpoint or self.touchpoint).pk, "score": str(score),
            "submitted_at": (submitted_at or timezone.now() - dt.timedelta(minutes=1)).isoformat(),
            "comment": comment,
        }
        return responses_record(org=self.org, rows=[row], recorded_by=by)

    def case(self, **record_kwargs) -> FollowUpCase:
        result = self.record(self.nps, 2, **record_kwargs)
        assert result.cases_opened == 1, result
        return FollowUpCase.objects.for_org(self.org).order_by("-id").first()

    def closed_case(self, *, touchpoint: Touchpoint | None = None, cause: RootCause | None = None,
                    comment: str = "", by: User | None = None) -> FollowUpCase:
        case = self.case(touchpoint=touchpoint, comment=comment)
        return case_close(org=self.org, by=by or self.users["cx_lead"], case=case, root_cause=cause or self.cause,
                          resolution="Called back and fixed.")


def make_loop(org: Organization, users: dict[str, User]) -> Loop:
    source = f.DataSourceFactory(organization=org, code="loop-survey")
    nps = f.MetricFactory(organization=org, code="loop-nps", kind=Metric.Kind.NPS, method=Metric.Method.NPS,
                          scale_min=Decimal(0), scale_max=Decimal(10))
    csat = f.MetricFactory(organization=org, code="loop-csat", kind=Metric.Kind.CSAT, method=Metric.Method.TOP2BOX,
                           scale_min=Decimal(1), scale_max=Decimal(5), follow_up_threshold=Decimal(2))
    wait = f.MetricFactory(organization=org, code="loop-wait", kind=Metric.Kind.DURATION, method=Metric.Method.MEAN,
                           scale_min=Decimal(0), scale_max=Decimal(600), higher_is_better=False,
                           follow_up_threshold=Decimal(20))
    journey = f.JourneyFactory(organization=org, name="Loop journey")
    touchpoint = f.TouchpointFactory(organization=org, journey=journey, name="Branch desk", owner=users["ambassador"])
    other = f.TouchpointFactory(organization=org, journey=journey, name="Call centre")
    cause = f.RootCauseFactory(organization=org, name="Long wait")
    other_cause = f.RootCauseFactory(organization=org, name="Wrong information")
    return Loop(org, users, source, nps, csat, wait, journey, touchpoint, other, cause, other_cause)
