"""Signals VoC sends, so apps above it in the dependency order can react without being imported.

``rollups_refreshed`` is sent by ``voc.tasks.refresh_rollups`` after a refresh has committed, with
``org_id`` (int) and ``metric_ids`` (list of int). ``maturity`` listens: KPI targets met, read from
rollups, are evidence of maturity.
"""

from django.dispatch import Signal

rollups_refreshed = Signal()
