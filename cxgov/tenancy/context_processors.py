from django.http import HttpRequest

from .roles import ROLE_OPERATIONS, role_allows
from .selectors import memberships_of_user


def tenancy(request: HttpRequest) -> dict:
    """Current organization, the user's organizations for the switcher, and what the role may do."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    role = membership.role if membership else None
    can = {op.replace(".", "_"): role_allows(role, op) for op in ROLE_OPERATIONS}
    return {
        "current_org": getattr(request, "org", None),
        "current_membership": membership,
        "current_role": role,
        "can": can,
        "my_memberships": (
            memberships_of_user(user=user) if user is not None and user.is_authenticated else []
        ),
    }
