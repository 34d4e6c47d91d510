"""Signals the CX PMO sends, so apps above it in the dependency order can react without being imported.

``initiative_status_changed`` is sent by ``initiatives.services.initiative_transition`` (and by
``initiative_create`` when an initiative is created directly as done), **after the transaction
commits**, so a receiver may enqueue a Celery task and the task sees the committed status. It is the
hook for ``maturity`` (initiatives delivered per lever are evidence of maturity): initiatives sits
below maturity and must not import it, so maturity listens here instead, e.g.::

    @receiver(initiative_status_changed, dispatch_uid="maturity_recompute_on_initiative")
    def recompute(sender, org_id, initiative_id, old_status, new_status, **kwargs):
        if Initiative.Status.DONE in (old_status, new_status):
            recompute_scores.delay(org_id=org_id)

Keyword arguments: ``org_id`` (int), ``initiative_id`` (int), ``old_status`` (str, "" on creation),
``new_status`` (str), ``by_id`` (int or None: the user who moved it). ``sender`` is ``Initiative``.
Ids, never instances, as for tasks: the receiver reads what it needs in its own scope.
"""

from django.dispatch import Signal

initiative_status_changed = Signal()
