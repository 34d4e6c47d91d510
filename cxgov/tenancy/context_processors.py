from django.http import HttpRequest

from .roles import ROLE_OPERATIONS, role_allows
from .selectors import memberships_of_user


def tenancy(request: HttpRequest) -> dict:
    """Current organization, the user's organizations for the switcher, and what the role may do."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    role = membership.role if membership else None
    my_memberships = []
    if user is not None and user.is_authenticated:
        # Read with the current membership by CurrentOrganizationMiddleware; read here only when the
        # request's user is not the one the middleware saw (signed in during the request, or an API
        # token's owner set by DRF's authentication).
        my_memberships = getattr(request, "memberships", None)
        if my_memberships is None or getattr(request, "memberships_user_id", None) != user.pk:
            my_memberships = memberships_of_user(user=user)
    return {
        "current_org": getattr(request, "org", None),
        "current_membership": membership,
        "current_role": role,
        "can": {op.replace(".", "_"): role_allows(role, op) for op in ROLE_OPERATIONS},
        "my_memberships": my_memberships,
    }
