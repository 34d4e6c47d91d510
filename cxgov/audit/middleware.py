"""django-auditlog's middleware, with the actor resolved when an entry is written, not before the view.

The stock middleware reads ``request.user`` when the request comes in. API requests authenticate
with a bearer token inside the view (Django REST Framework), so at that moment the user is still
anonymous and every API change would be recorded without an actor. Here the actor is a lazy object:
it is evaluated when the first audit entry is saved, by which time DRF has set ``request.user``.
"""

from __future__ import annotations

from typing import Any

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


class AuditlogMiddleware(BaseAuditlogMiddleware):
    def get_extra_data(self, request: HttpRequest) -> dict[str, Any]:
        data = super().get_extra_data(request)
        if data.get("actor") is None:
            # Wraps the user or None; auditlog checks isinstance(actor, User), which a lazy object
            # answers for the wrapped value (None for an anonymous request: no actor).
            data["actor"] = SimpleLazyObject(lambda: self._get_actor(request))
        return data
